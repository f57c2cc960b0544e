/**
 * The product in real browsers: one SM page and two crew phones (LX and SND) on the real server.
 * Edits travel SM page → socket → commit → fan-out → the right crew pages only; a crew page that
 * drops off catches up; a revoked link lands on the revoked page; an SM edit made offline
 * survives a reload and syncs. Also measures edit → visible on a crew phone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { z } from 'zod';
import { Element } from '@cuebe/protocol';
import type { TestServer } from '../packages/server/test/harness';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { makeWorld, type World } from './support/world';
import { stats, writeSection } from './support/bench-doc';

const PHONE = { width: 375, height: 812 };

describe.skipIf(!hasChromium)('SM and crew in real browsers', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  let smCtx: BrowserContext;
  let sm: Page;
  let lxCtx: BrowserContext;
  let lx: Page;
  let sndCtx: BrowserContext;
  let snd: Page;

  const crewList = (p: Page) => p.getByTestId('crew-cues');
  const status = (p: Page) => p.getByTestId('sync-status');

  async function openCrew(ctx: BrowserContext, link: string): Promise<Page> {
    const page = await ctx.newPage();
    await page.goto(link);
    // The token leaves the address bar at once.
    expect(page.url()).toBe(`${server.url}/c`);
    await page.getByRole('link', { name: /Prompt copy/ }).click();
    await status(page).and(page.locator('[data-status="live"]')).waitFor();
    return page;
  }

  /** Add a cue in the SM table with the given name, department and time. */
  async function addCue(name: string, dept: string, time?: string): Promise<void> {
    await sm.getByRole('button', { name: '+ Cue' }).click();
    const nameCell = sm.locator('[data-col="name"]:focus');
    await nameCell.fill(name);
    await nameCell.press('Enter');
    await sm.getByLabel(`${name} department`).selectOption({ label: dept });
    if (time) {
      const cell = sm.getByLabel(`${name} time`);
      await cell.fill(time);
      await cell.press('Enter');
    }
  }

  async function setNotes(name: string, notes: string): Promise<void> {
    const cell = sm.getByLabel(`${name} notes`);
    await cell.fill(notes);
    await cell.press('Enter');
  }

  async function crewNames(p: Page): Promise<string[]> {
    return p.locator('[data-testid="crew-cue"] .cc-name').allTextContents();
  }

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    browser = await launchBrowser();
    smCtx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await smCtx.addCookies([world.api.sessionCookie()]);
    sm = await smCtx.newPage();
    await sm.goto(`${server.url}/scripts/${world.scriptId}`);
    await status(sm).and(sm.locator('[data-status="live"]')).waitFor();
    lxCtx = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    sndCtx = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    lx = await openCrew(lxCtx, world.lxCrew.link);
    snd = await openCrew(sndCtx, world.sndCrew.link);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the SM how many crew devices are watching', async () => {
    await expect.poll(() => sm.getByTestId('presence').getAttribute('data-devices')).toBe('2');
  });

  it('sends an edit to the crew pages of its department and not to the others', async () => {
    await addCue('LX 10 blackout', 'LX', '0:10:00');
    // With no row chosen, a new cue goes after the last cue: before the closing SHOW END note.
    const names = await sm
      .locator('[data-col="name"]')
      .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value ?? e.textContent));
    expect(names.indexOf('SHOW END')).toBeGreaterThan(-1);
    expect(names.indexOf('LX 10 blackout')).toBe(names.indexOf('SHOW END') - 1);
    await addCue('SND 1 thunder', 'SND', '0:11:00');
    await crewList(lx).getByText('LX 10 blackout').waitFor();
    await crewList(snd).getByText('SND 1 thunder').waitFor();
    // A note reaches everyone; delivery is in version order, so once it is there the earlier
    // edits have been delivered too — and the other department's cue must not be.
    await sm.getByRole('button', { name: '+ Note' }).click();
    const note = sm.locator('[data-col="name"]:focus');
    await note.fill('Places please');
    await note.press('Enter');
    await crewList(lx).getByText('Places please').waitFor();
    await crewList(snd).getByText('Places please').waitFor();
    expect(await crewNames(lx)).not.toContain('SND 1 thunder');
    expect(await crewNames(snd)).not.toContain('LX 10 blackout');
    // The change is announced on the phone.
    await expect.poll(() => lx.getByTestId('change-toast').textContent()).toContain('Jane');
  });

  it('delivers a reorder, a delete and a group', async () => {
    await addCue('LX 20 first', 'LX', '0:20:00');
    await addCue('LX 21 second', 'LX', '0:20:00');
    await expect
      .poll(async () => (await crewNames(lx)).filter((n) => n.startsWith('LX 2')))
      .toEqual(['LX 20 first', 'LX 21 second']);
    // Drag LX 21 above LX 20 by its handle (dnd-kit's pointer sensor, as a mouse would).
    const handle = (await sm.getByRole('button', { name: 'Move LX 21 second' }).boundingBox())!;
    const target = (await sm.getByRole('button', { name: 'Move LX 20 first' }).boundingBox())!;
    await sm.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await sm.mouse.down();
    await sm.mouse.move(handle.x + handle.width / 2, target.y + target.height / 2, { steps: 12 });
    await sm.mouse.move(handle.x + handle.width / 2, target.y + target.height / 2 - 4, { steps: 4 });
    await sm.mouse.up();
    await expect
      .poll(async () => (await crewNames(lx)).filter((n) => n.startsWith('LX 2')))
      .toEqual(['LX 21 second', 'LX 20 first']);

    await sm.getByRole('button', { name: 'Delete LX 20 first' }).click();
    await expect.poll(() => crewNames(lx)).not.toContain('LX 20 first');

    await sm.getByRole('checkbox', { name: 'Select LX 10 blackout' }).check();
    await sm.getByRole('checkbox', { name: 'Select LX 21 second' }).check();
    await sm.getByRole('button', { name: 'Group', exact: true }).click();
    await lx.locator('[data-testid="crew-cue"].type-group').waitFor();
    // The group holds only LX cues: the SND phone lists no group of its own, and gives it no
    // timing from cues it may not see (SPEC S17). Its copy of the change arrived with LX's.
    await snd.waitForTimeout(500);
    expect(await snd.locator('[data-testid="crew-cue"].type-group').count()).toBe(0);
  });

  it('catches a crew page up after it was offline', async () => {
    await lxCtx.setOffline(true);
    await lx.locator('[data-testid="sync-status"][data-status="offline"]').waitFor();
    await setNotes('LX 10 blackout', 'Missed while offline');
    await addCue('LX 30 while away', 'LX', '0:30:00');
    await lxCtx.setOffline(false);
    await crewList(lx).getByText('Missed while offline').waitFor();
    await crewList(lx).getByText('LX 30 while away').waitFor();
    await lx.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
  });

  it('measures edit → visible on a crew phone', async () => {
    await sm.evaluate(() => {
      window.addEventListener(
        'keydown',
        (e) => {
          if (e.key === 'Enter') (window as unknown as { t0: number }).t0 = performance.timeOrigin + performance.now();
        },
        true,
      );
    });
    const samples: number[] = [];
    for (let i = 0; i < 25; i++) {
      const text = `Sample ${i} ${Math.random().toString(36).slice(2, 8)}`;
      // Watch for the text on the phone (after the frame that paints it) before the SM types.
      await lx.evaluate((t) => {
        const w = window as unknown as { seen: Promise<number> };
        w.seen = new Promise((resolve) => {
          const list = document.querySelector('[data-testid="crew-cues"]')!;
          const obs = new MutationObserver(() => {
            if (!list.textContent?.includes(t)) return;
            obs.disconnect();
            requestAnimationFrame(() => resolve(performance.timeOrigin + performance.now()));
          });
          obs.observe(list, { subtree: true, childList: true, characterData: true });
        });
      }, text);
      await setNotes('LX 10 blackout', text);
      const seen = await lx.evaluate(() => (window as unknown as { seen: Promise<number> }).seen);
      const t0 = await sm.evaluate(() => (window as unknown as { t0: number }).t0);
      samples.push(seen - t0);
    }
    const s = stats(samples);
    writeSection(
      'Browser: edit → visible on a crew phone',
      `
Measured by \`e2e/live.test.ts\` (\`npm run test:e2e\`): headless Chromium, one SM page and two crew
pages (375×812) on one machine, the real server in-process (PGlite, in-process fan-out). Each
sample: the SM presses Enter in a cue's notes cell (keydown timestamp) → the op is applied locally,
sent, committed, fanned out → the LX crew page's DOM shows the new text, timed at the next
animation frame. Both timestamps come from the same machine's clock
(\`performance.timeOrigin + performance.now()\`).

| samples | median | p95 | min | max | target |
|---:|---:|---:|---:|---:|---|
| ${samples.length} | ${s.median.toFixed(1)} ms | ${s.p95.toFixed(1)} ms | ${s.min.toFixed(1)} ms | ${s.max.toFixed(1)} ms | median < 100 ms |

Last run: ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform}/${process.arch}.
`,
    );
    console.log(`edit → visible on a crew phone: median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms`);
    expect(s.median).toBeLessThan(1000);
  });

  it('sends a crew page whose link is revoked to the revoked page', async () => {
    await world.api.call('POST', `/api/crew/${world.sndCrew.id}/revoke`);
    const ended = snd.getByTestId('link-ended');
    await ended.waitFor();
    expect(await ended.getAttribute('data-reason')).toBe('revoked');
    await expect.poll(() => snd.evaluate(() => localStorage.getItem('cuebe.crewToken'))).toBeNull();
  });

  it('keeps an SM edit made offline across a reload and syncs it when back', async () => {
    await smCtx.setOffline(true);
    await sm.locator('[data-testid="sync-status"][data-status="offline"]').waitFor();
    await setNotes('LX 30 while away', 'Written offline');
    await sm.getByTestId('sync-status').getByText('1 edit queued').waitFor();
    // The queue is in IndexedDB before the page goes away.
    await expect
      .poll(() =>
        sm.evaluate(
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

    // Reload with the page reachable but the socket still refused: the edit comes from IndexedDB.
    let blocked = true;
    await sm.routeWebSocket(/\/ws\/script\//, (ws) => {
      if (blocked) ws.close({ code: 1013, reason: 'blocked by the test' });
      else ws.connectToServer();
    });
    await smCtx.setOffline(false);
    await sm.reload();
    await expect.poll(() => sm.getByLabel('LX 30 while away notes').inputValue()).toBe('Written offline');
    await sm.getByTestId('sync-status').getByText('1 edit queued').waitFor();

    blocked = false;
    await sm.evaluate(() => window.dispatchEvent(new Event('online')));
    await sm.getByTestId('sync-status').getByText('all saved').waitFor({ timeout: 30_000 });
    await crewList(lx).getByText('Written offline').waitFor();
    const saved = z
      .object({ elements: z.array(Element) })
      .parse(await world.api.call('GET', `/api/scripts/${world.scriptId}`));
    expect(saved.elements.find((e) => e.name === 'LX 30 while away')?.notes).toBe('Written offline');
  });
});
