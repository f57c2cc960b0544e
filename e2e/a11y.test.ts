/**
 * Accessibility in a real browser (docs/SPEC.md SC3): axe-core (every rule it runs by default, best practices
 * included) finds no violation on any page, in the dark and in the light theme — the SM
 * workspace (with its paperwork panel), the show page, the printed book, the performances list
 * and a show report, the crew's script list, a crew script and crew show mode during a standby.
 * Dragging a row is announced with cue names and positions, never ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { keysBetween, type Element, type PlaybackCommand } from '@cuebe/protocol';
import { waitFor } from '@cuebe/client/testing';
import type { TestServer } from '../packages/server/test/harness';
import { connect, type ClientHandle } from '../packages/server/test/client-setup';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { makeWorld, type World } from './support/world';

const PHONE = { width: 375, height: 812 };
const THEMES = ['dark', 'light'] as const;

/** axe's findings on the page as it is now, one line per failing element (empty when clean). */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary?.split('\n')[1] ?? ''}`),
  );
}

/** `count` LX cues 10 s apart between SHOW START and SHOW END, with real order keys (a drag makes new ones between them). */
async function lxCues(w: World, count: number): Promise<Element[]> {
  const Current = z.object({ elements: z.array(z.object({ name: z.string(), orderKey: z.string() })) });
  const { elements } = Current.parse(await w.api.call('GET', `/api/scripts/${w.scriptId}`));
  const key = (name: string) => elements.find((e) => e.name === name)!.orderKey;
  const keys = keysBetween(key('SHOW START'), key('SHOW END'), count);
  const cues = keys.map((orderKey, i): Element => ({
    id: randomUUID(),
    type: 'CUE',
    name: `LX ${i + 1}`,
    notes: '',
    departmentId: w.lx.id,
    priority: 'NORMAL',
    offsetMs: (i + 1) * 10_000,
    durationMs: null,
    location: '',
    colour: null,
    parentId: null,
    orderKey,
  }));
  for (const el of cues) await w.api.call('POST', `/api/scripts/${w.scriptId}/elements`, el);
  return cues;
}

/** Fails with axe's findings, one per line, when there are any. */
async function clean(page: Page): Promise<void> {
  const found = await violations(page);
  expect(found, found.join('\n')).toEqual([]);
}

describe.skipIf(!hasChromium)('SC3 accessibility (axe-core) on every page, dark and light', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  let sm: ClientHandle;
  let cues: Element[];
  let performanceId: string;
  const contexts: BrowserContext[] = [];

  async function context(theme: (typeof THEMES)[number], phone: boolean): Promise<BrowserContext> {
    const ctx = await browser.newContext(
      phone ? { viewport: PHONE, isMobile: true, hasTouch: true } : { viewport: { width: 1280, height: 900 } },
    );
    await ctx.addInitScript((dark) => {
      if (!localStorage.getItem('cuebe.prefs'))
        localStorage.setItem('cuebe.prefs', JSON.stringify({ dark, hour24: true, textSize: 'normal' }));
    }, theme === 'dark');
    if (!phone) await ctx.addCookies([world.api.sessionCookie()]);
    contexts.push(ctx);
    return ctx;
  }

  const call = (c: PlaybackCommand) => sm.client.command(c);

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    cues = await lxCues(world, 4);
    const c = world.api.sessionCookie();
    sm = connect(() => server, world.scriptId, { cookie: `${c.name}=${c.value}` });
    await waitFor(() => sm.client.getSnapshot().playback !== null, 'SM client live', 15_000);
    // A show on: LX 1 called, LX 2 on standby (what a crew phone shows most of the evening).
    await call({ kind: 'guards', guards: { minGoIntervalMs: 0, requireStandby: false } });
    await call({ kind: 'play' });
    await call({ kind: 'go', cueId: cues[0]!.id });
    await call({ kind: 'standby', cueIds: [cues[1]!.id] });
    const Performances = z.object({ performances: z.array(z.object({ id: z.string() })) });
    performanceId = Performances.parse(await world.api.call('GET', `/api/scripts/${world.scriptId}/performances`))
      .performances[0]!.id;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    sm?.client.close();
    await browser?.close();
    await server?.close();
  });

  for (const theme of THEMES) {
    describe(`${theme} theme`, () => {
      let page: Page;
      let phone: Page;

      beforeAll(async () => {
        page = await (await context(theme, false)).newPage();
        phone = await (await context(theme, true)).newPage();
      });

      it('SM workspace, and its paperwork panel', async () => {
        await page.goto(`${server.url}/scripts/${world.scriptId}`);
        await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
        await page.getByLabel('LX 4 name').waitFor();
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
        await clean(page);
        await page.getByRole('button', { name: 'Paperwork' }).click();
        await page.getByRole('heading', { name: 'Paperwork' }).waitFor();
        await clean(page);
      });

      it('show page', async () => {
        await page.goto(`${server.url}/shows/${world.show.id}`);
        await page.getByRole('heading', { level: 1, name: 'The Tempest' }).waitFor();
        await page
          .getByRole('link', { name: /Prompt copy/ })
          .first()
          .waitFor();
        await clean(page);
      });

      it('printed book', async () => {
        await page.goto(`${server.url}/scripts/${world.scriptId}/print`);
        await page.getByText('LX 4').first().waitFor();
        await clean(page);
      });

      it('performances and a show report', async () => {
        await page.goto(`${server.url}/scripts/${world.scriptId}/performances`);
        await page.getByTestId('performance-row').first().waitFor();
        await clean(page);
        await page.goto(`${server.url}/performances/${performanceId}`);
        await page.locator('[data-testid="report-cue"][data-cue="LX 1"]').waitFor();
        await clean(page);
      });

      it('crew script list, crew show mode during a standby, crew script', async () => {
        await phone.goto(world.lxCrew.link);
        await phone.getByRole('link', { name: /Prompt copy/ }).waitFor();
        await clean(phone);
        await phone.getByRole('link', { name: /Prompt copy/ }).click();
        await phone.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
        await phone.getByRole('button', { name: 'Standing by' }).waitFor();
        await clean(phone);
        await phone.getByRole('button', { name: 'Script list' }).click();
        await phone.getByTestId('crew-cues').getByText('LX 4').waitFor();
        await clean(phone);
      });
    });
  }

  it('SC3 a dragged row is announced by cue name and position, never by id', async () => {
    const page = await (await context('dark', false)).newPage();
    await page.goto(`${server.url}/scripts/${world.scriptId}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    // dnd-kit's live region: visually hidden, so read, not looked at.
    const region = page.locator('[role="status"][aria-live="assertive"]');
    const said: string[] = [];
    const hear = async (pattern: RegExp) => {
      await expect
        .poll(() => region.allTextContents(), { timeout: 10_000 })
        .toContainEqual(expect.stringMatching(pattern));
      said.push(...(await region.allTextContents()));
    };
    const order = () =>
      page
        .getByTestId('cue-row')
        .locator('[data-col="name"]')
        .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    const before = await order();
    const at = before.indexOf('LX 2');
    const below = before[at + 1]!;
    const of = `of ${before.length}`;
    // dnd-kit's keyboard sensor listens for the arrows from a timer set at pick-up, so a key
    // pressed before that timer ran is lost: wait for a timer set after it.
    const sensorReady = () => page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
    const handle = page.getByRole('button', { name: 'Move LX 2' });
    await handle.focus();
    // Enter (Space calls GO while a show is on).
    await handle.press('Enter');
    await hear(new RegExp(`Picked up LX 2, position ${at + 1} ${of}`));
    await sensorReady();
    await page.keyboard.press('ArrowDown');
    await hear(new RegExp(`LX 2 is over position ${at + 2} ${of}, ${below}`));
    await page.keyboard.press('ArrowUp');
    await hear(new RegExp(`LX 2 is back at position ${at + 1} ${of}`));
    await page.keyboard.press('Escape');
    await hear(new RegExp(`Moving LX 2 was cancelled. It stays at position ${at + 1} ${of}`));
    await handle.press('Enter');
    await hear(new RegExp(`Picked up LX 2, position ${at + 1} ${of}`));
    await sensorReady();
    await page.keyboard.press('ArrowDown');
    await hear(new RegExp(`LX 2 is over position ${at + 2} ${of}, ${below}`));
    await page.keyboard.press('Enter');
    await hear(new RegExp(`LX 2 was dropped at position ${at + 2} ${of}`));
    const after = [...before];
    after.splice(at, 2, below, 'LX 2');
    await expect.poll(order).toEqual(after);
    for (const line of said) expect(line).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    // The live region is not inside the grid (a grid holds rows only).
    expect(await page.getByRole('grid', { name: 'Cues' }).locator('[aria-live]').count()).toBe(0);
  });
});
