/**
 * The show page's script list in a real browser: "Shared with crew" flips with the click, before
 * the server answers, and the crew page of the script learns at once that it is no longer
 * shared, and the SM's open workspace of it shows "Not shared"; a change the server refuses goes
 * back to what is saved, with the error shown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Route } from 'playwright-core';
import type { TestServer } from '../packages/server/test/harness';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { makeWorld, type World } from './support/world';

describe.skipIf(!hasChromium)('scripts panel', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  let page: Page;
  let phone: Page;
  /** The same SM's script workspace, open in another tab. */
  let workspace: Page;

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.addCookies([world.api.sessionCookie()]);
    page = await ctx.newPage();
    await page.goto(`${server.url}/shows/${world.show.id}`);
    workspace = await ctx.newPage();
    await workspace.goto(`${server.url}/scripts/${world.scriptId}`);
    await workspace.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await phone.goto(world.lxCrew.link);
    await phone.getByRole('link', { name: /Prompt copy/ }).click();
    await phone.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const row = () => page.locator('.script-row', { hasText: 'Prompt copy' });
  const toggle = () => row().getByRole('switch');
  /** A tap on the switch, as on a phone: the label around it takes it. */
  const flip = () => row().locator('label.switch').click();
  const saved = async () =>
    ((await world.api.call('GET', `/api/scripts/${world.scriptId}`)) as { script: { shared: boolean } }).script.shared;

  it('unsharing shows at once, before the answer, and the crew page is told', async () => {
    await expect.poll(() => toggle().isChecked()).toBe(true);
    let answer!: () => void;
    const held = new Promise<void>((r) => (answer = r));
    await page.route(`**/api/scripts/${world.scriptId}`, async (route: Route) => {
      if (route.request().method() !== 'PATCH') return route.fallback();
      await held;
      await route.continue();
    });
    await flip();
    // Flipped while the request is still held, so before any answer. TanStack Query tells React of
    // the mutation on its next tick, so the check polls rather than reads once.
    await expect.poll(() => toggle().isChecked()).toBe(false);
    expect(await page.getByText('Not shared').count()).toBe(1);
    expect(await saved()).toBe(true);
    answer();
    await expect.poll(saved).toBe(false);
    await phone.getByText('This script is no longer shared').waitFor();
    // The open workspace's badge follows, without a reload.
    await workspace.locator('.badge', { hasText: 'Not shared' }).waitFor();
    await page.unroute(`**/api/scripts/${world.scriptId}`);
    expect(await toggle().isChecked()).toBe(false);
  });

  it('a change the server refuses flips at once and goes back to what is saved', async () => {
    let answer!: () => void;
    const held = new Promise<void>((r) => (answer = r));
    await page.route(`**/api/scripts/${world.scriptId}`, async (route: Route) => {
      if (route.request().method() !== 'PATCH') return route.fallback();
      await held;
      await route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({
          error: { code: 'UNAVAILABLE', message: 'the database is unavailable; try again shortly' },
        }),
      });
    });
    await flip();
    await expect.poll(() => toggle().isChecked()).toBe(true);
    answer();
    await page.getByText('the database is unavailable; try again shortly').waitFor();
    await expect.poll(() => toggle().isChecked()).toBe(false);
    expect(await saved()).toBe(false);
    await page.unroute(`**/api/scripts/${world.scriptId}`);
  });
});
