/**
 * A crew phone says how far its own clock can be trusted (K4), and the SM's board names the
 * device whose clock is in doubt (K3). The phone's socket goes through Playwright's WebSocket
 * route, which holds every frame for a set time each way: a slow path shows a clear warning on
 * the phone and a flag naming the device on the SM's board; a faster one, a quiet note.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { PROTOCOL_VERSION } from '@cuebe/protocol';
import type { TestServer } from '../packages/server/test/harness';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { addLxCues, makeWorld, type World } from './support/world';

const PHONE = { width: 375, height: 812 };
const TABLET = { width: 1180, height: 820 };
const ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36';

describe.skipIf(!hasChromium)("a crew phone's own clock", () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  let sm: Page;
  let phone: Page;
  /** One-way delay of every socket frame of the phone, ms (changed by the test). */
  let delayMs = 230;

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    await addLxCues(world, 3);
    browser = await launchBrowser();
    const smCtx = await browser.newContext({ viewport: TABLET });
    await smCtx.addCookies([world.api.sessionCookie()]);
    sm = await smCtx.newPage();
    await sm.goto(`${server.url}/scripts/${world.scriptId}`);
    await sm.getByRole('button', { name: '▶ Play' }).click();
    await sm.getByText('Running', { exact: true }).first().waitFor();

    const ctx = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, userAgent: ANDROID });
    phone = await ctx.newPage();
    await phone.routeWebSocket(/\/ws\//, (ws) => {
      const upstream = ws.connectToServer();
      ws.onMessage((m) => void setTimeout(() => upstream.send(m), delayMs));
      upstream.onMessage((m) => void setTimeout(() => ws.send(m), delayMs));
    });
    await phone.goto(world.lxCrew.link);
    await phone.getByRole('link', { name: /Prompt copy/ }).click();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('K4 K3 a slow path: a clear warning on the phone, and the SM board names the device', async () => {
    await phone.getByRole('region', { name: 'Show mode' }).waitFor({ timeout: 30_000 });
    const warning = phone.getByRole('alert', { name: 'Clock warning' });
    await warning.waitFor({ timeout: 30_000 });
    expect(await warning.textContent()).toMatch(/Clock may be off by up to ±2\d\d ms/);
    // The SM sees which device: its kind, from the User-Agent, and a short tag.
    await sm.getByRole('button', { name: /crew device/ }).click();
    const panel = sm.getByRole('dialog', { name: 'Crew watching' });
    await expect
      .poll(() => panel.textContent(), { timeout: 15_000 })
      .toMatch(/⚠ Android · Chrome [0-9A-Z]{4}: clock ±2\d\d ms/);
  }, 90_000);

  it('K4 a faster path: the warning gives way to a quiet note of the bound', async () => {
    delayMs = 20;
    const note = phone.getByRole('status', { name: 'Clock accuracy' });
    // The next bursts (settling after the connect, then every 10–20 s) bring the bound down to this path's.
    await note.waitFor({ timeout: 60_000 });
    expect(await note.textContent()).toMatch(/^Clock ±\d\d ms$/);
    expect(await phone.getByRole('alert', { name: 'Clock warning' }).count()).toBe(0);
  }, 90_000);

  it('K3 a device that stops reporting is flagged stale on the SM board, by device, within 5 s of the threshold', async () => {
    // A second device of the sound operator, outside any browser: it syncs, says it last synced
    // 55 s ago, then goes silent with its socket open (a page whose JavaScript hung).
    const token = world.sndCrew.link.slice(world.sndCrew.link.indexOf('#') + 1);
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/script/${world.scriptId}`, {
      headers: {
        'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Mobile Safari/604.1',
      },
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        token,
        lastVersion: null,
        deviceId: 'be5e0000-quiet',
      }),
    );
    ws.send(
      JSON.stringify({
        type: 'syncQuality',
        offsetMs: 0,
        errorMs: 4,
        lastSyncAgeMs: 55_000,
        samples: 10,
        hidden: false,
      }),
    );
    const sentAt = Date.now();
    try {
      const panel = sm.getByRole('dialog', { name: 'Crew watching' });
      const flag = panel.getByText(/⚠ iPhone · Safari BE5E: clock not synced for 6\d s/);
      await panel.getByText('Ana').waitFor();
      // Not stale before the threshold…
      expect(await panel.textContent()).not.toMatch(/BE5E: clock not synced/);
      await flag.waitFor({ timeout: 20_000 });
      // …and flagged within 5 s after it (its last sync was 55 s before it said so).
      const late = Date.now() - sentAt - 5_000;
      expect(late).toBeGreaterThan(-500);
      expect(late).toBeLessThan(5_000);
    } finally {
      ws.close();
    }
  }, 60_000);
});
