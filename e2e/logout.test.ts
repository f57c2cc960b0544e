/**
 * Log-out in a real browser (docs/SPEC.md P6): "Log out" ends this browser's session only — the
 * same account's workspace in another browser stays live; "Log out everywhere", once confirmed,
 * ends every session and closes the script open in the other browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestServer } from '../packages/server/test/harness';
import { Api } from './support/api';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { makeWorld, type World } from './support/world';

describe.skipIf(!hasChromium)('log-out', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;

  /** A browser of its own, signed in with a session of its own, on the script. */
  async function signedIn(): Promise<{ ctx: BrowserContext; page: Page }> {
    const api = new Api(server.url);
    await api.call('POST', '/api/auth/login', { email: 'jane@example.com', password: 'correct horse battery' });
    const ctx = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    await ctx.addCookies([api.sessionCookie()]);
    const page = await ctx.newPage();
    await page.goto(`${server.url}/scripts/${world.scriptId}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    return { ctx, page };
  }

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('P6 Log out ends this session only; Log out everywhere, confirmed, ends the others too', async () => {
    const desk = await signedIn();
    const laptop = await signedIn();
    const tablet = await signedIn();

    await laptop.page.getByRole('button', { name: 'Log out', exact: true }).click();
    await laptop.page.waitForURL(/\/login$/);
    // The desk's workspace is still live once P6's second for closing sockets has passed.
    await desk.page.waitForTimeout(1_200);
    expect(await desk.page.getByRole('heading', { name: 'This script is not available' }).count()).toBe(0);
    expect(await desk.page.locator('[data-testid="sync-status"]').getAttribute('data-status')).toBe('live');

    // Log out everywhere asks first; declined, nothing happens.
    desk.page.once('dialog', (d) => void d.dismiss());
    await desk.page.getByRole('button', { name: 'Log out everywhere' }).click();
    expect(desk.page.url()).toContain(`/scripts/${world.scriptId}`);
    expect(await tablet.page.locator('[data-testid="sync-status"]').getAttribute('data-status')).toBe('live');

    let asked = '';
    desk.page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await desk.page.getByRole('button', { name: 'Log out everywhere' }).click();
    await desk.page.waitForURL(/\/login$/);
    expect(asked).toContain('Log out every device signed in as jane@example.com?');
    // The tablet's open script closes: its session is gone.
    await tablet.page.getByRole('heading', { name: 'This script is not available' }).waitFor();
    expect(await tablet.page.getByRole('alert').textContent()).toContain('You are logged out');
    for (const b of [desk, laptop, tablet]) await b.ctx.close();
  });
});
