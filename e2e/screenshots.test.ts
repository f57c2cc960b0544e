/**
 * Screenshots for the docs (docs/screenshots/*.png): the SM workspace on a desktop and the crew
 * view on a 375×812 phone, from a realistic script. Checked by eye when they change.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { keysBetween, type Element, type Priority } from '@cuebe/protocol';
import type { TestServer } from '../packages/server/test/harness';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { makeWorld, type World } from './support/world';

const dir = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const min = (m: number, s = 0) => (m * 60 + s) * 1000;

describe.skipIf(!hasChromium)('screenshots', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    browser = await launchBrowser();
    mkdirSync(dir, { recursive: true });
    await seedScript(world);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('SM workspace, desktop', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await ctx.addCookies([world.api.sessionCookie()]);
    const page = await ctx.newPage();
    await page.goto(`${server.url}/scripts/${world.scriptId}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await page.getByLabel('LX 12 name').click();
    await page.screenshot({ path: `${dir}sm-workspace.png` });
    await ctx.close();
  });

  it('crew view on a phone, with a live update arriving', async () => {
    const sm = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await sm.addCookies([world.api.sessionCookie()]);
    const smPage = await sm.newPage();
    await smPage.goto(`${server.url}/scripts/${world.scriptId}`);
    await smPage.locator('[data-testid="sync-status"][data-status="live"]').waitFor();

    const ctx = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    const page = await ctx.newPage();
    await page.goto(world.lxCrew.link);
    await page.getByRole('link', { name: /Prompt copy/ }).click();
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const notes = smPage.getByLabel('LX 12 notes');
    await notes.fill('Sunset state, 8 count — on the thunder');
    await notes.press('Enter');
    await page.getByTestId('change-toast').waitFor();
    await page.screenshot({ path: `${dir}crew-phone.png` });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    await page.evaluate(() =>
      localStorage.setItem('cuebe.prefs', JSON.stringify({ dark: false, hour24: false, textSize: 'large' })),
    );
    await page.reload();
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await page.screenshot({ path: `${dir}crew-phone-light-large.png` });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await ctx.close();
    await sm.close();
  });
});

/** A short calling script: pre-show notes, an act with grouped cues across departments. */
async function seedScript(w: World): Promise<void> {
  const fly = await deptId(w, 'FLY');
  const id = () => crypto.randomUUID();
  // Pre-show before SHOW START, the act between SHOW START and SHOW END.
  const current = (await w.api.call('GET', `/api/scripts/${w.scriptId}`)) as { elements: Element[] };
  const start = current.elements.find((e) => e.name === 'SHOW START')!.orderKey;
  const end = current.elements.find((e) => e.name === 'SHOW END')!.orderKey;
  const [kPre] = keysBetween(null, start, 1) as [string];
  const [kAct] = keysBetween(start, end, 1) as [string];
  const preId = id();
  const actId = id();
  const top: Element[] = [
    el({ id: preId, type: 'GROUP', name: 'Pre-show', orderKey: kPre, offsetMs: -min(30) }),
    el({ id: actId, type: 'GROUP', name: 'Act 1 · Scene 1 — the storm', orderKey: kAct, offsetMs: 0 }),
  ];
  const pre = [
    el({ type: 'NOTE', name: 'House open', notes: 'FOH clearance from the house manager', offsetMs: -min(30) }),
    el({
      type: 'CUE',
      name: 'LX 1',
      departmentId: w.lx.id,
      notes: 'Preset: house at full, stage wash 30%',
      offsetMs: -min(30),
    }),
    el({ type: 'CUE', name: 'SND 1', departmentId: w.snd.id, notes: 'Pre-show music loop', offsetMs: -min(29, 30) }),
    el({ type: 'NOTE', name: 'Beginners call', notes: 'Act 1 beginners to the stage', offsetMs: -min(5) }),
  ];
  const act: Array<Partial<Element> & { name: string }> = [
    { type: 'CUE', name: 'LX 10', departmentId: w.lx.id, notes: 'House to half', offsetMs: 0 },
    {
      type: 'CUE',
      name: 'SND 10',
      departmentId: w.snd.id,
      notes: 'Thunder roll, building',
      offsetMs: min(0, 20),
      location: 'Surrounds',
    },
    {
      type: 'CUE',
      name: 'LX 11',
      departmentId: w.lx.id,
      notes: 'Lightning chase ×3',
      offsetMs: min(0, 24),
      priority: 'HIGH',
    },
    {
      type: 'CUE',
      name: 'FLY 1',
      departmentId: fly,
      notes: 'Storm cloth in — watch the ship',
      offsetMs: min(1, 5),
      priority: 'SAFETY',
      location: 'SR fly floor',
    },
    { type: 'CUE', name: 'LX 12', departmentId: w.lx.id, notes: 'Blue wash', offsetMs: min(2, 10) },
    { type: 'CUE', name: 'SND 11', departmentId: w.snd.id, notes: 'Storm out over 10 s', offsetMs: min(2, 12) },
    { type: 'NOTE', name: 'Prospero enters', notes: 'Standby LX 13 on his cross', offsetMs: min(3) },
    {
      type: 'CUE',
      name: 'LX 13',
      departmentId: w.lx.id,
      notes: 'Isle state',
      offsetMs: min(3, 30),
      priority: 'CRITICAL',
    },
  ];
  const all = [
    ...top,
    ...withKeys(pre, preId),
    ...withKeys(
      act.map((a) => el(a)),
      actId,
    ),
  ];
  for (const element of all) await w.api.call('POST', `/api/scripts/${w.scriptId}/elements`, element);
}

function withKeys(list: Element[], parentId: string): Element[] {
  const keys = keysBetween(null, null, list.length);
  return list.map((e, i) => ({ ...e, parentId, orderKey: keys[i]! }));
}

function el(p: Partial<Element> & { name: string }): Element {
  return {
    id: crypto.randomUUID(),
    type: 'CUE',
    notes: '',
    departmentId: null,
    priority: 'NORMAL' as Priority,
    offsetMs: 0,
    durationMs: null,
    location: '',
    colour: null,
    parentId: null,
    orderKey: 'a0',
    ...p,
  };
}

async function deptId(w: World, initials: string): Promise<string> {
  const res = (await w.api.call('GET', `/api/shows/${w.show.id}/departments`)) as {
    departments: { id: string; initials: string }[];
  };
  return res.departments.find((d) => d.initials === initials)!.id;
}
