import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFParse } from 'pdf-parse';
import { backend, startServer, type TestServer } from './harness';
import { api, type SmClient } from './http';
import { bigScript, type BigScript } from './paperwork-fixtures';

/** The text of each page of a PDF. */
export async function pdfPages(data: ArrayBuffer | Buffer): Promise<string[]> {
  const parser = new PDFParse({ data: new Uint8Array(data) });
  try {
    const { pages } = await parser.getText();
    return pages.map((p) => p.text);
  } finally {
    await parser.destroy();
  }
}

describe(`printed books as PDF (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let big: BigScript;
  beforeAll(async () => {
    s = await startServer();
    sm = await api(s);
    big = await bigScript(sm, 300, 'Prompt book');
  });
  afterAll(() => s.close());

  const pdf = async (query: string) => {
    const res = await fetch(`${s.url}/api/scripts/${big.scriptId}/book.pdf${query}`, {
      headers: { cookie: sm.cookie },
    });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  };

  it('the calling script: every cue, a header with show, script, version and date on every page', async () => {
    const { res, bytes } = await pdf('?paper=a4&tz=Europe/London');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe('inline; filename="Prompt-book.pdf"');
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = await pdfPages(bytes);
    expect(pages.length).toBeGreaterThan(3);
    const year = String(new Date().getFullYear());
    pages.forEach((text, i) => {
      expect(text).toContain('Paperwork: The Tempest');
      expect(text).toContain('Calling script');
      expect(text).toMatch(/Prompt book\s+·\s+version 1/);
      expect(text).toContain(`Printed `);
      expect(text).toContain(year);
      expect(text).toContain(`Page ${i + 1} of ${pages.length}`);
    });
    const all = pages.join('\n');
    for (const name of ['HOUSE OPEN', 'Act 1', 'Scene 3', 'Storm', 'LX 6', 'SND 7', 'SHOW END', 'SAFETY', 'CRITICAL'])
      expect(all).toContain(name);
    const cues = (await sm.get(`/api/scripts/${big.scriptId}`)).body.elements as { name: string }[];
    const missing = cues.filter((c) => !all.includes(c.name));
    expect(missing).toEqual([]);
  });

  it('a department cue sheet holds that department only; Letter pages are Letter-sized', async () => {
    const lx = big.departments.find((d) => d.initials === 'LX')!;
    const { res, bytes } = await pdf(`?paper=letter&department=${lx.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('inline; filename="Prompt-book-LX.pdf"');
    const text = (await pdfPages(bytes)).join('\n');
    expect(text).toContain('Lighting (LX) cue sheet');
    expect(text).toMatch(/LX \d+/);
    expect(text).not.toMatch(/SND \d+/);
    expect(text).toContain('Act 1 > Scene 1 > Storm');
    // MediaBox of US Letter (612 x 792 pt) vs A4 (595.28 x 841.89).
    expect(bytes.toString('latin1')).toMatch(/\/MediaBox \[0 0 612 792\]/);
    const a4 = await pdf('?paper=a4');
    expect(a4.bytes.toString('latin1')).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
  });

  it('bad paper, another show’s department, or another owner: clear errors', async () => {
    expect((await pdf('?paper=a3')).res.status).toBe(400);
    expect((await pdf('?tz=Mars/Olympus')).res.status).toBe(400);
    const other = await api(s);
    const otherShow = (await other.post('/api/shows', { name: 'Other' })).body;
    const foreign = await pdf(`?department=${otherShow.departments[0].id}`);
    expect(foreign.res.status).toBe(400);
    expect(JSON.parse(foreign.bytes.toString()).error.field).toBe('department');
    expect((await other.get(`/api/scripts/${big.scriptId}/book.pdf`)).status).toBe(404);
  });
});
