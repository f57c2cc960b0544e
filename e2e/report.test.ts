/**
 * Performances and the show report in a real browser (issue 8). A performance is called over real
 * sockets by node-side sync clients (the SM, and an LX crew member who answers a standby): house
 * open, play, an act, a standby, a late GO, a safety hold with its reason, an early GO, the
 * interval, a note, complete. The SM then finds it from the workspace, reads the report (planned
 * against called, the hold, who never acknowledged, the note), downloads the CSV, writes
 * after-show notes that survive a reload, and prints it: an A4 PDF with no app chrome.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { PDFParse } from 'pdf-parse';
import { z } from 'zod';
import { crewView, type Element, type PlaybackCommand } from '@cuebe/protocol';
import { waitFor } from '@cuebe/client/testing';
import type { TestServer } from '../packages/server/test/harness';
import { connect, type ClientHandle } from '../packages/server/test/client-setup';
import { tokenOf } from '../packages/server/test/http';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { makeWorld, type World } from './support/world';

const shots = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const HOLD_REASON = 'Actor down in the pit';
const NOTE = 'Fly bar 3 sticking: check before Act 2';
const AFTER_SHOW = 'Good house. LX 1 late again — move the standby earlier.\nThanks to the fly crew.';

async function pdfText(data: Buffer): Promise<string[]> {
  const parser = new PDFParse({ data: new Uint8Array(data) });
  try {
    return (await parser.getText()).pages.map((p) => p.text);
  } finally {
    await parser.destroy();
  }
}

describe.skipIf(!hasChromium)('performances and the show report', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  let page: Page;
  const handles: ClientHandle[] = [];
  const cues: Record<'lx1' | 'lx2' | 'snd1', Element> = {} as never;

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    const cue = (name: string, departmentId: string, offsetMs: number, i: number): Element => ({
      id: randomUUID(),
      type: 'CUE',
      name,
      notes: '',
      departmentId,
      priority: 'NORMAL',
      offsetMs,
      durationMs: null,
      location: '',
      colour: null,
      parentId: null,
      orderKey: `m${String(i).padStart(13, '0')}`,
    });
    // LX 1 is planned a second in (its GO will be late), SND 1 ten minutes in (called early),
    // LX 2 twenty minutes in (never called).
    cues.lx1 = cue('LX 1', world.lx.id, 1_000, 1);
    cues.snd1 = cue('SND 1', world.snd.id, 600_000, 2);
    cues.lx2 = cue('LX 2', world.lx.id, 1_200_000, 3);
    for (const el of Object.values(cues)) await world.api.call('POST', `/api/scripts/${world.scriptId}/elements`, el);
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.addCookies([world.api.sessionCookie()]);
    page = await ctx.newPage();
  });

  afterAll(async () => {
    for (const h of handles) h.client.close();
    await browser?.close();
    await server?.close();
  });

  it('the workspace links to the performances page, which explains how runs are recorded', async () => {
    await page.goto(`${server.url}/scripts/${world.scriptId}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await page.getByRole('toolbar').getByRole('link', { name: 'Performances' }).click();
    await page.waitForURL(`**/scripts/${world.scriptId}/performances`);
    await page
      .getByTestId('performances-empty')
      .getByText('Performances are recorded when you open the house or press play in the live panel')
      .waitFor();
  });

  it('a scripted performance is listed with its run time, newest first', async () => {
    // A second LX crew member, who answers the standby; Sam (LX, from the world) never does.
    const Crew = z.object({ crew: z.object({ id: z.string(), link: z.string() }) });
    const lee = Crew.parse(
      await world.api.call('POST', `/api/shows/${world.show.id}/crew`, {
        name: 'Lee',
        role: 'LX deputy',
        departmentIds: [world.lx.id],
      }),
    ).crew;
    const sm = connect(() => server, world.scriptId, { cookie: cookieOf(world) });
    const leeLx = connect(() => server, world.scriptId, {
      token: tokenOf(lee.link),
      view: crewView(false, [world.lx.id]),
    });
    handles.push(sm, leeLx);
    for (const h of [sm, leeLx])
      await waitFor(
        () => h.client.getSnapshot().status === 'live' && h.client.getSnapshot().playback !== null,
        'live with playback',
        15_000,
      );
    const call = (c: PlaybackCommand) => sm.client.command(c);

    // The show's own GO spacing is not what this test is about: calls follow each other at once.
    await call({ kind: 'guards', guards: { minGoIntervalMs: 0, requireStandby: false } });
    await call({ kind: 'mark', mark: 'houseOpen' });
    await call({ kind: 'play' });
    await call({ kind: 'mark', mark: 'actStart', label: 'Act 1' });
    await call({ kind: 'standby', cueIds: [cues.lx1.id] });
    await waitFor(
      () => leeLx.client.getSnapshot().playback?.standbyCueIds.includes(cues.lx1.id) === true,
      'Lee sees the standby',
      5_000,
    );
    await leeLx.client.command({ kind: 'ack', cueId: cues.lx1.id });
    // Late: the GO comes more than the 1 s threshold after LX 1's planned time.
    await waitFor(() => (sm.client.showTime() ?? 0) > 2_600, 'show time past 0:00:02.6', 10_000);
    await call({ kind: 'go', cueId: cues.lx1.id });
    await call({ kind: 'safety', reason: HOLD_REASON });
    await call({ kind: 'resume' });
    await new Promise((r) => setTimeout(r, 600)); // the default guard: GOs at least 500 ms apart
    await call({ kind: 'go', cueId: cues.snd1.id }); // early
    await call({ kind: 'mark', mark: 'actEnd' });
    await call({ kind: 'mark', mark: 'intervalStart', label: 'Interval' });
    await call({ kind: 'note', text: NOTE });
    await call({ kind: 'mark', mark: 'intervalEnd' });
    await call({ kind: 'complete' });
    // A second, short run: the list puts it first.
    await call({ kind: 'stop' });
    await call({ kind: 'play' });
    await call({ kind: 'complete' });

    await page.goto(`${server.url}/scripts/${world.scriptId}/performances`);
    const rows = page.getByTestId('performance-row');
    await rows.nth(1).waitFor();
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-number')))).toEqual(['2', '1']);
    const first = page.locator('[data-testid="performance-row"][data-number="1"]');
    expect(await first.getByTestId('run-time').textContent()).toMatch(/^0:00:0\d$/);
    const table = page.getByTestId('performances');
    expect(await table.textContent()).toContain('Act 1');
    expect(await table.textContent()).toContain('Interval');
    const one = await first.locator('td').allTextContents();
    // Called by, …, cues called 2, late GOs 1, early GOs 1, not acked 1, holds 1 (the last five columns).
    expect(one[1]).toBe('Jane');
    expect(one.slice(-5)).toEqual(['2', '1', '1', '1', '1']);
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: `${shots}performances.png` });
  });

  it('the report shows planned against called, the hold and its reason, who never acknowledged, the note', async () => {
    await page.getByRole('link', { name: 'Performance 1 report' }).click();
    await page.waitForURL('**/performances/*');
    const cueRow = (name: string) => page.locator(`[data-testid="report-cue"][data-cue="${name}"]`);
    await cueRow('LX 1').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Show report — performance 1');

    const lx1 = await cueRow('LX 1').locator('td').allTextContents();
    expect(lx1[0]).toBe('0:00:01');
    expect(lx1[1]).toMatch(/^0:00:0[3-9]$/);
    expect(lx1[2]).toMatch(/^\+0:00:0[2-9]late$/);
    expect(await cueRow('LX 1').getAttribute('class')).toContain('row-late');
    const snd1 = await cueRow('SND 1').locator('td').allTextContents();
    expect(snd1[0]).toBe('0:10:00');
    // Called early is flagged as a late call is.
    expect(snd1[2]).toMatch(/^−0:09:5\dearly$/);
    expect(await cueRow('SND 1').getAttribute('class')).toContain('row-early');
    expect((await cueRow('LX 2').locator('td').allTextContents())[1]).toBe('not called');

    const holds = page.getByTestId('report-holds');
    expect(await holds.textContent()).toContain('SAFETY');
    expect(await holds.textContent()).toContain(HOLD_REASON);

    const standby = page.locator('[data-testid="report-standby"][data-cue="LX 1"]');
    expect(await standby.getByTestId('standby-unacknowledged').textContent()).toBe('Sam');
    expect(await standby.textContent()).toMatch(/Lee \(\d+\.\d s\)/);

    expect(await page.getByTestId('report-notes').textContent()).toContain(NOTE);
    const parts = await page.getByTestId('report-parts').textContent();
    expect(parts).toContain('Act 1');
    expect(parts).toContain('Interval');
    expect(await page.getByTestId('report-summary').textContent()).toContain('2 of 3 cues called');
    expect(await page.getByTestId('report-summary').textContent()).toContain('1 late GO, 1 early GO');
  });

  it('downloads the report as CSV with the cue rows', async () => {
    const href = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    expect(href).toMatch(/^\/api\/performances\/[^/]+\/report\.csv$/);
    const res = await page.context().request.get(server.url + href);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toContain('text/csv');
    const csv = await res.text();
    expect(csv).toMatch(/^Cue,LX 1,0:00:01,/m);
    expect(csv).toMatch(/^Cue,SND 1,0:10:00,[^,]*,[^,]*,early,/m);
    expect(csv).toMatch(/^Cue,LX 2,0:20:00,.*not called/m);
    expect(csv).toContain(HOLD_REASON);
  });

  it('after-show notes save with clear feedback and survive a reload; a refused save is explained', async () => {
    const box = page.getByLabel('After-show notes');
    // A refusal first: the server's message is shown and the text stays for another try.
    await page.route('**/api/performances/*', (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({
            status: 403,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'FORBIDDEN', message: 'Only the show’s callers can write notes.' } }),
          })
        : route.continue(),
    );
    await box.fill('draft');
    await page.getByRole('button', { name: 'Save notes' }).click();
    await page.getByRole('alert').filter({ hasText: 'Only the show’s callers can write notes.' }).waitFor();
    expect(await box.inputValue()).toBe('draft');
    await page.unrouteAll();

    await box.fill(AFTER_SHOW);
    await page.getByText('Unsaved changes').waitFor();
    await page.getByRole('button', { name: 'Save notes' }).click();
    await page.getByRole('status').filter({ hasText: 'Notes saved at' }).waitFor();
    await page.reload();
    await page.getByTestId('report-cues').waitFor();
    expect(await page.getByLabel('After-show notes').inputValue()).toBe(AFTER_SHOW);
    expect(await page.getByRole('button', { name: 'Save notes' }).isDisabled()).toBe(true);
  });

  it('reads well on screen and prints as a clean A4 report with no app chrome', async () => {
    await page.screenshot({ path: `${shots}show-report.png`, fullPage: true });
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.topbar').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Print' }).isVisible()).toBe(false);
    await page.screenshot({ path: `${shots}show-report-print.png`, fullPage: true });
    const pages = await pdfText(await page.pdf({ preferCSSPageSize: true }));
    const all = pages.join('\n');
    for (const text of ['Show report — performance 1', 'The Tempest', 'LX 1', HOLD_REASON, NOTE, 'Sam'])
      expect(all).toContain(text);
    expect(all).toContain('Thanks to the fly crew.');
    expect(pages[0]).toContain(`Page 1 of ${pages.length}`);
    for (const chrome of ['Log out', 'Download CSV', 'Save notes', 'All performances'])
      expect(all).not.toContain(chrome);
    await page.emulateMedia({ media: 'screen' });
  });
});

/** The SM's session as a Cookie header, for the node-side sync client. */
function cookieOf(w: World): string {
  const c = w.api.sessionCookie();
  return `${c.name}=${c.value}`;
}
