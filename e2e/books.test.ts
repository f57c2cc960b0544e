/**
 * Printed books in a real browser: the calling script and a department's cue sheet printed to
 * PDF by Chromium (page.pdf, the browser's own print), read back with pdf-parse — cue names and
 * the page header (show, script, version, date) on every page. The same books from the server
 * (pdfkit) and from the browser are rendered to PNG into docs/books/ for the README, to be
 * looked at by eye when they change.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { PDFParse } from 'pdf-parse';
import type { Element, SimpleOp } from '@cuebe/protocol';
import { demoElements, departmentsByInitials } from '../packages/server/test/paperwork-fixtures';
import type { TestServer } from '../packages/server/test/harness';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { makeWorld, type World } from './support/world';

const dir = fileURLToPath(new URL('../docs/books/', import.meta.url));
const pdftoppm = ['/usr/bin/pdftoppm', '/usr/local/bin/pdftoppm'].find((p) => existsSync(p));

async function pdfPages(data: Buffer): Promise<string[]> {
  const parser = new PDFParse({ data: new Uint8Array(data) });
  try {
    return (await parser.getText()).pages.map((p) => p.text);
  } finally {
    await parser.destroy();
  }
}

/** The first page of a PDF as docs/books/<name>.png (when poppler's pdftoppm is installed). */
function firstPagePng(pdf: Buffer, name: string): void {
  if (!pdftoppm) return;
  const file = join(tmpdir(), `cuebe-${name}-${process.pid}.pdf`);
  writeFileSync(file, pdf);
  try {
    execFileSync(pdftoppm, ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, `${dir}${name}`]);
  } finally {
    rmSync(file, { force: true });
  }
}

describe.skipIf(!hasChromium)('printed books', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  let sm: BrowserContext;

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    browser = await launchBrowser();
    mkdirSync(dir, { recursive: true });
    // The demo production's calling script (46 elements, two groups), replacing SHOW START/END.
    const { elements, departments } = (await world.api.call('GET', `/api/scripts/${world.scriptId}`)) as {
      elements: Element[];
      departments: { id: string; initials: string }[];
    };
    const ops: SimpleOp[] = [
      ...elements.map((e): SimpleOp => ({ kind: 'delete', id: e.id })),
      ...demoElements(departmentsByInitials(departments)).map((element): SimpleOp => ({ kind: 'create', element })),
    ];
    await world.api.call('POST', `/api/scripts/${world.scriptId}/ops`, {
      opId: crypto.randomUUID(),
      baseVersion: 0,
      op: { kind: 'batch', ops },
    });
    sm = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await sm.addCookies([world.api.sessionCookie()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('prints the calling script: every cue, and the header with show, script, version and date on each page', async () => {
    const page = await sm.newPage();
    await page.goto(`${server.url}/scripts/${world.scriptId}/print?paper=a4`);
    await page.getByTestId('print-book').waitFor();
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ preferCSSPageSize: true });
    const pages = await pdfPages(pdf);
    expect(pages.length).toBeGreaterThan(1);
    const year = String(new Date().getFullYear());
    pages.forEach((text, i) => {
      expect(text).toContain('The Tempest');
      expect(text).toContain('Calling script');
      expect(text).toMatch(/Prompt copy · version 1/);
      expect(text).toContain('Printed');
      expect(text).toContain(year);
      expect(text).toContain(`Page ${i + 1} of ${pages.length}`);
    });
    const all = pages.join('\n');
    for (const name of ['HOUSE OPEN', 'LX 1', 'SND 3', 'The storm', 'FLY 1', 'DECK 4', 'LX 18', 'SAFETY'])
      expect(all).toContain(name);
    // The toolbar of the print view is not printed.
    expect(all).not.toContain('Back to the script');
    firstPagePng(pdf, 'calling-script-browser-a4');
    await page.close();
  });

  it('prints a department cue sheet on US Letter: its cues only, with the groups they sit in', async () => {
    const page = await sm.newPage();
    await page.goto(`${server.url}/scripts/${world.scriptId}/print?paper=letter&department=${world.lx.id}`);
    await page.getByTestId('print-book').waitFor();
    const pdf = await page.pdf({ preferCSSPageSize: true });
    const text = (await pdfPages(pdf)).join('\n');
    expect(text).toContain('Lighting (LX) cue sheet');
    expect(text).toContain('The Tempest');
    for (const name of ['LX 1', 'LX 4', 'LX 11', 'LX 18']) expect(text).toContain(name);
    for (const name of ['SND 3', 'FLY 1', 'HOUSE OPEN']) expect(text).not.toContain(name);
    expect(text).toContain('The storm');
    // US Letter: 8.5 × 11 in = 612 × 792 pt.
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 612 792\]/);
    firstPagePng(pdf, 'lx-cue-sheet-browser-letter');
    await page.close();
  });

  it('the same books as PDF downloads from the server (pdfkit)', async () => {
    const get = async (q: string) => {
      const res = await fetch(`${server.url}/api/scripts/${world.scriptId}/book.pdf${q}`, {
        headers: { cookie: `${world.api.sessionCookie().name}=${world.api.sessionCookie().value}` },
      });
      expect(res.status).toBe(200);
      return Buffer.from(await res.arrayBuffer());
    };
    const script = await get('?paper=a4');
    expect((await pdfPages(script)).join('\n')).toContain('LX 18');
    firstPagePng(script, 'calling-script-pdf-a4');
    const sheet = await get(`?paper=letter&department=${world.snd.id}`);
    expect((await pdfPages(sheet)).join('\n')).toContain('Sound (SND) cue sheet');
    firstPagePng(sheet, 'snd-cue-sheet-pdf-letter');
  });
});
