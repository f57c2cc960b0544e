/**
 * The Paperwork panel in a real browser: a CSV import previewed (bad rows listed by line, nothing
 * written), then imported as one change the table shows at once; a version saved, compared with
 * now and restored; an import whose answer was lost, tried again with its key, imports its rows
 * once; the SM's alert preferences kept with the account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../packages/server/test/harness';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { makeWorld, type World } from './support/world';

const HEADER = 'Time,Type,Element Name,Description,Group Path,Department,Priority,Location,Duration,Color';

describe.skipIf(!hasChromium)('paperwork panel', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await ctx.addCookies([world.api.sessionCookie()]);
    page = await ctx.newPage();
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${server.url}/scripts/${world.scriptId}`);
    await page.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await page.getByRole('button', { name: 'Paperwork' }).click();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const file = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });

  it('previews a CSV with bad rows (nothing written), then imports a good one as one change', async () => {
    const bad = [HEADER, '0:01:00,CUE,LX 1,,,LX,,,,', 'soon,CUE,LX 2,,,LX,,,,', '0:03:00,CUE,,,,LX,LOUD,,,'].join('\n');
    await page.getByLabel('CSV file to import').setInputFiles(file('bad.csv', bad));
    const preview = page.getByTestId('import-preview');
    await preview.getByText('3 problems').waitFor();
    expect(await preview.textContent()).toContain('Line 3 (Time): "soon" is not a time');
    expect(await preview.textContent()).toContain('Line 4 (Element Name)');
    expect(await preview.textContent()).toContain('Line 4 (Priority): "LOUD" is not a priority');
    expect(await preview.getByRole('button', { name: /Import/ }).count()).toBe(0);

    const good = [
      HEADER,
      '0:01:00,CUE,LX 40,Sunrise,Act 1,LX,HIGH,,0:00:05,',
      '0:02:00,CUE,PYRO 1,Flash,Act 1,Pyro,SAFETY,,,',
    ].join('\n');
    await page.getByLabel('CSV file to import').setInputFiles(file('good.csv', good));
    await preview.getByText('New departments: PYRO (Pyro)').waitFor();
    await preview.getByRole('button', { name: 'Import 2 rows' }).click();
    await page.getByRole('status').filter({ hasText: 'Imported as version' }).waitFor();
    // The live table shows it at once (it arrived as a change over the socket).
    await page.getByLabel('LX 40 name').waitFor();
    await page.getByLabel('PYRO 1 name').waitFor();
    expect(await page.getByLabel('SHOW START name').count()).toBe(0); // replaced
  });

  it('W1 W2 an import whose answer was lost, tried again from the panel, imports its rows once', async () => {
    const csv = [HEADER, '0:04:00,CUE,FLY 7,Cloth out,,,NORMAL,,,', '0:05:00,CUE,FLY 8,Cloth in,,,NORMAL,,,'].join(
      '\n',
    );
    await page.getByRole('button', { name: 'Add at the end' }).click();
    await page.getByLabel('CSV file to import').setInputFiles(file('fly.csv', csv));
    const preview = page.getByTestId('import-preview');
    // The first attempt reaches the server (and commits); its answer never reaches the page.
    let lost = 0;
    await page.route('**/api/scripts/*/import?mode=append', async (route) => {
      if (lost > 0) return route.fallback();
      lost++;
      await route.fetch();
      await route.abort('failed');
    });
    await preview.getByRole('button', { name: 'Import 2 rows' }).click();
    await page.getByText('Cannot reach the server').waitFor();
    await page.getByLabel('FLY 7 name').waitFor(); // committed all the same: it came over the socket
    await preview.getByRole('button', { name: 'Import 2 rows' }).click();
    await page.getByRole('status').filter({ hasText: 'Imported as version' }).waitFor();
    await page.unroute('**/api/scripts/*/import?mode=append');
    expect(lost).toBe(1);
    expect(await page.getByLabel('FLY 7 name').count()).toBe(1);
    expect(await page.getByLabel('FLY 8 name').count()).toBe(1);
  });

  it('saves a version, compares it with now, and restores it', async () => {
    await page.getByLabel('Version name').fill('After import');
    await page.getByRole('button', { name: 'Save version' }).click();
    const versions = page.getByTestId('versions');
    await versions.getByText('After import').waitFor();
    const notes = page.getByLabel('LX 40 notes');
    await notes.fill('Sunrise, slower');
    await notes.press('Enter');
    await page.locator('[data-testid="sync-status"]').filter({ hasText: 'all saved' }).waitFor();
    await versions.getByRole('button', { name: 'Compare with now' }).click();
    const cmp = page.getByTestId('compare');
    await cmp.getByText('notes: Sunrise → Sunrise, slower').waitFor();
    expect(await cmp.textContent()).toContain('0 added · 0 removed · 1 changed');
    await versions.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('status').filter({ hasText: 'Restored as version' }).waitFor();
    await page.waitForFunction(
      () => (document.querySelector('[aria-label="LX 40 notes"]') as HTMLInputElement | null)?.value === 'Sunrise',
    );
  });

  it('keeps the SM’s alert preferences with the account', async () => {
    const panel = page.getByRole('complementary', { name: 'Paperwork' });
    await panel.getByLabel('Alerts for').selectOption('none');
    await panel.getByLabel('Sound').check();
    const saved = async () =>
      (
        (await world.api.call('GET', '/api/auth/me/preferences')) as {
          preferences: { notify: { changes: string; sound: boolean } };
        }
      ).preferences.notify;
    await expect.poll(saved).toEqual({ changes: 'none', departmentIds: [], sound: true });
    // Another device of the same account (a fresh page) shows them.
    await page.reload();
    await page.getByRole('button', { name: 'Paperwork' }).click();
    const again = page.getByRole('complementary', { name: 'Paperwork' });
    await expect.poll(() => again.getByLabel('Alerts for').inputValue()).toBe('none');
  });

  it('an alert change the server refuses flips at once and goes back to what is saved', async () => {
    const panel = page.getByRole('complementary', { name: 'Paperwork' });
    const sound = panel.getByLabel('Sound');
    await expect.poll(() => sound.isChecked()).toBe(true);
    await page.route('**/api/auth/me/preferences', (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: '{"error":"UNAVAILABLE","message":"down"}',
          })
        : route.fallback(),
    );
    await sound.uncheck(); // shown at once, before any answer
    await expect.poll(() => sound.isChecked()).toBe(true); // refused: back to the saved state
    await page.unroute('**/api/auth/me/preferences');
  });
});
