/**
 * The venue LAN in a real browser: the built app loads nothing from outside the server; a crew
 * page alerts only for what its device's preferences ask; and a crew page reopened with the
 * server gone still shows the last script it saw, marked as not live.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Element } from '@cuebe/protocol';
import type { TestServer } from '../packages/server/test/harness';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer, webDist } from './support/server';
import { makeWorld, type World } from './support/world';

const EXTERNAL =
  /(?:src|href)\s*=\s*["']?(?:https?:)?\/\/|url\(\s*["']?(?:https?:)?\/\/|@import\s+["']?(?:url\()?\s*["']?(?:https?:)?\/\/|import\(\s*["'](?:https?:)?\/\//i;

describe.skipIf(!hasChromium)('venue LAN', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  const lx1 = crypto.randomUUID();
  const note = crypto.randomUUID();

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    browser = await launchBrowser();
    const el = (over: Partial<Element>): Element => ({
      id: crypto.randomUUID(),
      type: 'CUE',
      name: 'x',
      notes: '',
      departmentId: null,
      priority: 'NORMAL',
      offsetMs: 60_000,
      durationMs: null,
      location: '',
      colour: null,
      parentId: null,
      orderKey: 'b00',
      ...over,
    });
    await world.api.call('POST', `/api/scripts/${world.scriptId}/ops`, {
      opId: crypto.randomUUID(),
      baseVersion: 0,
      op: {
        kind: 'batch',
        ops: [
          { kind: 'create', element: el({ id: lx1, name: 'LX 1', departmentId: world.lx.id, orderKey: 'b01' }) },
          { kind: 'create', element: el({ id: note, type: 'NOTE', name: 'Beginners', orderKey: 'b02' }) },
        ],
      },
    });
  });

  let closed = false;
  afterAll(async () => {
    await browser?.close();
    if (!closed) await server?.close();
  });

  it('the built HTML and CSS reference nothing outside the server', () => {
    const files = ['index.html', ...readdirSync(`${webDist}/assets`).map((f) => `assets/${f}`)];
    const checked = files.filter((f) => /\.(html|css)$/.test(f));
    expect(checked.some((f) => f.endsWith('.css'))).toBe(true);
    for (const f of checked) expect(readFileSync(`${webDist}/${f}`, 'utf8'), f).not.toMatch(EXTERNAL);
    // Scripts load nothing by URL either (their text mentions URLs in error messages, so the
    // browser check below is the proof; this catches a dynamic import of a CDN).
    for (const f of files.filter((x) => x.endsWith('.js')))
      expect(readFileSync(`${webDist}/${f}`, 'utf8'), f).not.toMatch(/import\(\s*["']https?:/);
  });

  it('every request the app makes, on every page, goes to the server itself', async () => {
    const ctx = await browser.newContext();
    await ctx.addCookies([world.api.sessionCookie()]);
    const urls: string[] = [];
    ctx.on('request', (r) => urls.push(r.url()));
    const page = await ctx.newPage();
    await page.goto(`${server.url}/`);
    await page.getByText('The Tempest').first().waitFor();
    await page.goto(`${server.url}/scripts/${world.scriptId}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await page.getByRole('button', { name: 'Paperwork' }).click();
    await page.getByText('Save version').waitFor();
    await page.goto(`${server.url}/scripts/${world.scriptId}/print?paper=a4`);
    await page.getByTestId('print-book').waitFor();
    const crew = await browser.newContext();
    crew.on('request', (r) => urls.push(r.url()));
    const phone = await crew.newPage();
    await phone.goto(world.lxCrew.link);
    await phone.getByRole('link', { name: /Prompt copy/ }).click();
    await phone.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const origin = new URL(server.url).origin;
    const foreign = urls.filter((u) => !u.startsWith(`${origin}/`) && !/^(data|blob):/.test(u));
    expect(urls.length).toBeGreaterThan(5);
    expect(foreign).toEqual([]);
    await ctx.close();
    await crew.close();
  });

  /** Toast lines seen on the page, collected as they appear. */
  async function watchToasts(page: Page): Promise<() => Promise<string[]>> {
    await page.evaluate(() => {
      const w = window as unknown as { __toasts: string[] };
      w.__toasts = [];
      new MutationObserver(() => {
        const t = document.querySelector('[data-testid="change-toast"]')?.textContent;
        if (t && w.__toasts.at(-1) !== t) w.__toasts.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    return () => page.evaluate(() => (window as unknown as { __toasts: string[] }).__toasts);
  }

  const edit = (id: string, fields: Record<string, unknown>) =>
    world.api.call('POST', `/api/scripts/${world.scriptId}/ops`, {
      opId: crypto.randomUUID(),
      baseVersion: 0,
      op: { kind: 'update', id, fields },
    });

  it('crew alerts follow the device preferences: my departments’ cues, any change, or none', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(world.lxCrew.link);
    await page.getByRole('link', { name: /Prompt copy/ }).click();
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    const toasts = await watchToasts(page);
    const alerts = page.getByLabel('Alerts for');
    await alerts.selectOption('departments');
    // A note changes (arrives, but is not my department's cue), then my cue.
    await edit(note, { notes: 'Beginners to the stage' });
    await page.getByText('Beginners to the stage').waitFor();
    await edit(lx1, { notes: 'Slow fade' });
    await page.getByText('Slow fade').waitFor();
    await page.getByTestId('change-toast').waitFor();
    expect(await toasts()).toEqual(['Jane updated LX 1']);

    await alerts.selectOption('all');
    await edit(note, { notes: 'Beginners, please' });
    await page.getByTestId('change-toast').filter({ hasText: 'Beginners' }).waitFor();

    await alerts.selectOption('none');
    const before = (await toasts()).length;
    await edit(lx1, { notes: 'Snap to black' });
    await page.getByText('Snap to black').waitFor();
    expect((await toasts()).length).toBe(before);
    // Kept on the device: a reload keeps the choice.
    await page.reload();
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    expect(await page.getByLabel('Alerts for').inputValue()).toBe('none');
    await ctx.close();
  });

  it('a crew page reopened with the server gone shows the last script it saw, marked not live', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(world.lxCrew.link);
    await page.getByRole('link', { name: /Prompt copy/ }).click();
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await page.getByText('Snap to black').waitFor();
    // The app shell is cached by the service worker, the script by the page.
    await page.waitForFunction(async () => !!(await navigator.serviceWorker.ready).active);
    await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('cuebe.crewScript.')));
    const url = page.url();
    await page.close();

    await server.close(); // the SM's laptop is gone
    closed = true;
    const again = await ctx.newPage();
    await again.goto(url);
    await again.getByTestId('not-live').waitFor();
    expect(await again.getByTestId('not-live').textContent()).toMatch(/Not live/);
    await again.getByText('LX 1').waitFor();
    expect(await again.getByText('Snap to black').count()).toBe(1);
    await ctx.close();
  });
});
