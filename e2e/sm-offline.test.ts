/**
 * The SM's laptop survives a reload with no network (docs/SPEC.md SC2): the workspace opens from
 * the service worker's app shell, the account last signed in and the sync client's IndexedDB
 * record, shows the script as last synced and the edits still queued, marked Not live — nothing
 * of it from the server, which sees no request — and sends the queue once the network is back.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { z } from 'zod';
import { Element } from '@cuebe/protocol';
import type { TestServer } from '../packages/server/test/harness';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { addLxCues, makeWorld, type World } from './support/world';

const shots = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));

describe.skipIf(!hasChromium)('SC2 the SM workspace opens offline', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const status = () => page.getByTestId('sync-status');

  async function setNotes(name: string, notes: string): Promise<void> {
    const cell = page.getByLabel(`${name} notes`);
    await cell.fill(notes);
    await cell.press('Enter');
  }

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    await addLxCues(world, 3);
    browser = await launchBrowser();
    ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await ctx.addCookies([world.api.sessionCookie()]);
    page = await ctx.newPage();
    mkdirSync(shots, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('SC2 reloaded with no network: the last synced script and the queued edit, marked Not live', async () => {
    await page.goto(`${server.url}/scripts/${world.scriptId}`);
    await status().and(page.locator('[data-status="live"]')).waitFor();
    await setNotes('LX 1', 'Synced before the outage');
    await status().getByText('all saved').waitFor();
    // The app shell is in the service worker's cache (installed and active).
    await page.waitForFunction(async () => (await navigator.serviceWorker.ready).active?.state === 'activated');

    await ctx.setOffline(true);
    await status().and(page.locator('[data-status="offline"]')).waitFor();
    await setNotes('LX 2', 'Written offline');
    await status().getByText('1 edit queued').waitFor();
    await expect
      .poll(() =>
        page.evaluate(
          (key) =>
            new Promise<number>((resolve) => {
              const open = indexedDB.open('cuebe');
              open.onsuccess = () => {
                const get = open.result.transaction('sync').objectStore('sync').get(key);
                get.onsuccess = () =>
                  resolve((get.result as { pending?: unknown[] } | undefined)?.pending?.length ?? 0);
              };
            }),
          `script:${world.scriptId}`,
        ),
      )
      .toBe(1);

    const reached: string[] = [];
    const seen = (req: IncomingMessage) => reached.push(req.url ?? '');
    server.app.server.on('request', seen);
    await page.reload();
    await page.getByText(/^Not live — no connection to the server/).waitFor();
    server.app.server.off('request', seen);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Prompt copy');
    expect(await page.getByLabel('LX 1 notes').inputValue()).toBe('Synced before the outage');
    expect(await page.getByLabel('LX 2 notes').inputValue()).toBe('Written offline');
    expect(await page.getByLabel('LX 3 name').inputValue()).toBe('LX 3');
    await status().getByText('Offline · 1 edit queued').waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Not live' }).textContent()).toContain(
      '1 edit not sent yet',
    );
    // What the workspace opens from came from this device, not the server: the document, its
    // code, the account and the script. (Chromium's offline emulation lets some side queries of
    // the page through — preferences, the show's name for the crumbs — so those are not counted.)
    const opensFrom = (url: string) =>
      url.startsWith(`/scripts/${world.scriptId}`) ||
      url.startsWith('/assets/') ||
      url === '/api/auth/me' ||
      url.startsWith('/api/scripts/') ||
      url.startsWith('/ws');
    expect(reached.filter(opensFrom)).toEqual([]);
    await page.screenshot({ path: `${shots}sm-offline.png` });
  });

  it('SC2 back online: the queued edit is sent and the page goes live', async () => {
    await ctx.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await status().getByText('all saved').waitFor({ timeout: 30_000 });
    expect(await page.getByText(/^Not live/).count()).toBe(0);
    const saved = z
      .object({ elements: z.array(Element) })
      .parse(await world.api.call('GET', `/api/scripts/${world.scriptId}`));
    expect(saved.elements.find((e) => e.name === 'LX 2')?.notes).toBe('Written offline');
    expect(saved.elements.find((e) => e.name === 'LX 1')?.notes).toBe('Synced before the outage');
  });
});
