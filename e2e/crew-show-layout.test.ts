/**
 * Crew show mode on a 375-px phone is a cue light first (docs/SPEC.md SC1): with a cue named
 * `LX 6 Followspot_pickup_downstage_left`, with ordinary and with huge text, the page never gets
 * wider than the screen, every cue's department and countdown stay inside the list, the
 * STANDBY/GO card sits above the list on screen, the next cue is on screen and nothing covers
 * it — not a change toast, not the cues already called — and the controls are 44 px high.
 * Measured with bounding boxes and hit tests in a real browser.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import type { Element, PlaybackCommand } from '@cuebe/protocol';
import { waitFor } from '@cuebe/client/testing';
import type { TestServer } from '../packages/server/test/harness';
import { connect, type ClientHandle } from '../packages/server/test/client-setup';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { makeWorld, type World } from './support/world';

const PHONE = { width: 375, height: 812 };
const LONG = 'LX 6 Followspot_pickup_downstage_left';
const shots = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));

/**
 * What is wrong with show mode on the page now, one line per fault (empty when it is right):
 * measured from the boxes the browser laid out.
 */
function faults(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    if (document.documentElement.scrollWidth > vw) out.push(`page is ${document.documentElement.scrollWidth} px wide`);
    const mode = document.querySelector('section[aria-label="Show mode"]');
    const list = mode?.querySelector<HTMLElement>('ol[aria-label="Cues"]');
    if (!mode || !list) return ['no show mode with a cue list'];
    const box = list.getBoundingClientRect();
    if (list.scrollWidth > list.clientWidth) out.push(`list content ${list.scrollWidth} px in ${list.clientWidth} px`);
    if (box.right > vw || box.left < 0) out.push(`list ${box.left}–${box.right} outside the screen`);
    // Every cue: its department and countdown inside the list, beside (or below) the name.
    for (const li of Array.from(list.querySelectorAll<HTMLElement>(':scope > li'))) {
      const [name, dept, countdown] = Array.from(li.children) as HTMLElement[];
      const label = name?.textContent ?? '?';
      const status = li.dataset.status;
      // Called cues have no countdown (the current one says "now").
      const counting = status === 'upcoming' || status === 'standby';
      for (const [what, el] of [
        ['name', name],
        ['department', dept],
        ...(counting ? ([['countdown', countdown]] as const) : []),
      ] as const) {
        const r = el?.getBoundingClientRect();
        if (!r || r.width === 0) out.push(`${label}: no ${what} shown`);
        else if (r.right > box.right + 0.5 || r.left < box.left - 0.5) out.push(`${label}: ${what} clipped`);
      }
      if (counting && !countdown?.textContent?.trim()) out.push(`${label}: empty countdown`);
    }
    // The next call: whole, inside the list's view and the screen, and on top where it is drawn.
    const next = list.querySelector<HTMLElement>(
      ':scope > li[data-status="standby"], :scope > li[data-status="upcoming"]',
    );
    if (next) {
      const r = next.getBoundingClientRect();
      const label = next.children[0]?.textContent ?? '?';
      if (r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) out.push(`next cue ${label} scrolled out of the list`);
      if (r.top < 0 || r.bottom > vh) out.push(`next cue ${label} off screen (${r.top}–${r.bottom})`);
      for (const el of [next, next.children[2] as HTMLElement]) {
        const p = el.getBoundingClientRect();
        const hit = document.elementFromPoint(p.left + p.width / 2, p.top + p.height / 2);
        if (!hit || !next.contains(hit)) out.push(`next cue ${label} covered by ${hit?.className || hit?.tagName}`);
      }
    }
    // The call card: above the list, on screen.
    const call = mode.querySelector<HTMLElement>('.call');
    if (call) {
      const r = call.getBoundingClientRect();
      if (r.top < 0 || r.bottom > vh) out.push(`call card off screen (${r.top}–${r.bottom})`);
      if (r.bottom > box.top) out.push('call card not above the list');
      if (call.scrollWidth > call.clientWidth) out.push('call card wider than the screen');
    }
    // A change toast: never over the list.
    for (const t of Array.from(document.querySelectorAll<HTMLElement>('.toast'))) {
      const r = t.getBoundingClientRect();
      if (r.bottom > box.top && r.top < box.bottom && r.right > box.left && r.left < box.right)
        out.push('a change toast covers the list');
    }
    return out;
  });
}

describe.skipIf(!hasChromium)('SC1 crew show mode fits a 375-px phone', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  let ctx: BrowserContext;
  let phone: Page;
  let sm: ClientHandle;
  const cues: Element[] = [];
  const call = (c: PlaybackCommand) => sm.client.command(c);
  const mode = () => phone.getByRole('region', { name: 'Show mode' });

  /** The next call on standby on the phone; the one before it called. */
  async function standby(i: number): Promise<void> {
    if (i > 0) await call({ kind: 'go', cueId: cues[i - 1]!.id });
    await call({ kind: 'standby', cueIds: [cues[i]!.id] });
    await mode().getByText('STANDBY', { exact: true }).waitFor();
    await mode().locator('.call-cue', { hasText: cues[i]!.name }).waitFor();
  }

  async function minHeight(): Promise<number[]> {
    const targets = [
      mode().getByRole('button', { name: 'Script list' }),
      mode().getByRole('button', { name: 'Enable sound' }),
      phone.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Scripts' }),
    ];
    return Promise.all(targets.map(async (t) => (await t.boundingBox())?.height ?? 0));
  }

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    const names = ['LX 1', 'LX 2', 'LX 3', 'LX 4', 'LX 5', LONG, 'LX 7', 'LX 8', 'LX 9', 'LX 10', 'LX 11', 'LX 12'];
    for (const [i, name] of names.entries()) {
      const el: Element = {
        id: randomUUID(),
        type: 'CUE',
        name,
        notes: '',
        departmentId: world.lx.id,
        priority: 'NORMAL',
        offsetMs: (i + 1) * 30_000,
        durationMs: null,
        location: i === 5 ? 'Followspot platform, stage left' : '',
        colour: null,
        parentId: null,
        orderKey: `m${String(i).padStart(13, '0')}`,
      };
      cues.push(el);
      await world.api.call('POST', `/api/scripts/${world.scriptId}/elements`, el);
    }
    const c = world.api.sessionCookie();
    sm = connect(() => server, world.scriptId, { cookie: `${c.name}=${c.value}` });
    await waitFor(() => sm.client.getSnapshot().playback !== null, 'SM client live', 15_000);
    await call({ kind: 'guards', guards: { minGoIntervalMs: 0, requireStandby: false } });
    await call({ kind: 'play' });
    browser = await launchBrowser();
    ctx = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    phone = await ctx.newPage();
    await phone.goto(world.lxCrew.link);
    await phone.getByRole('link', { name: /Prompt copy/ }).click();
    await mode().waitFor();
    mkdirSync(shots, { recursive: true });
  });

  afterAll(async () => {
    sm?.client.close();
    await browser?.close();
    await server?.close();
  });

  it('SC1 ordinary text: the long name wraps, every countdown shows, the next cue stays on screen as cues are called', async () => {
    await standby(0);
    await expect.poll(() => faults(phone), { timeout: 5_000 }).toEqual([]);
    for (let i = 1; i <= 5; i++) {
      await standby(i);
      await expect.poll(() => faults(phone), { timeout: 5_000 }).toEqual([]);
    }
    // The long name is on standby: on the card and as the next cue, both whole.
    await phone.screenshot({ path: `${shots}crew-show-long-name.png` });
    expect(Math.min(...(await minHeight()))).toBeGreaterThanOrEqual(44);
  });

  it('SC1 a change toast takes its own place and covers nothing', async () => {
    sm.client.submit({ kind: 'update', id: cues[6]!.id, fields: { notes: 'Slow build to the storm state, 12 count' } });
    const toast = phone.getByText(/updated LX 7/);
    await toast.waitFor();
    await expect.poll(() => faults(phone), { timeout: 5_000 }).toEqual([]);
    // Inside show mode, below the cues.
    const list = await mode().getByRole('list', { name: 'Cues' }).boundingBox();
    const t = await toast.boundingBox();
    expect(t!.y).toBeGreaterThanOrEqual(list!.y + list!.height);
    expect(t!.y + t!.height).toBeLessThanOrEqual(PHONE.height);
  });

  it('SC1 huge text: the same, with every control at least 44 px high', async () => {
    await phone.evaluate(() =>
      localStorage.setItem('cuebe.prefs', JSON.stringify({ dark: true, hour24: true, textSize: 'huge' })),
    );
    await phone.reload();
    await mode().getByText('STANDBY', { exact: true }).waitFor();
    expect(await phone.evaluate(() => document.documentElement.dataset.textSize)).toBe('huge');
    await expect.poll(() => faults(phone), { timeout: 5_000 }).toEqual([]);
    await phone.screenshot({ path: `${shots}crew-show-long-name-huge.png` });
    // The list really scrolls here, and a keyboard can reach it (axe: scrollable-region-focusable).
    const list = mode().getByRole('list', { name: 'Cues' });
    expect(await list.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    const axe = await new AxeBuilder({ page: phone }).analyze();
    expect(
      axe.violations.flatMap((v) => v.nodes.map((n) => `${v.id} ${n.target.join(' ')} ${n.failureSummary}`)),
    ).toEqual([]);
    for (let i = 6; i <= 10; i++) {
      await standby(i);
      await expect.poll(() => faults(phone), { timeout: 5_000 }).toEqual([]);
    }
    // GO with nothing on standby: the next cue is still the one the list shows.
    await call({ kind: 'go', cueId: cues[10]!.id });
    await mode().getByText('GO', { exact: true }).waitFor();
    await expect.poll(() => faults(phone), { timeout: 5_000 }).toEqual([]);
    expect(Math.min(...(await minHeight()))).toBeGreaterThanOrEqual(44);
  });
});
