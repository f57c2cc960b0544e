/**
 * Ending a performance in a real browser (docs/SPEC.md L1, L2): one click on Stop or Complete
 * ends nothing; the confirm step does; a stop made by mistake is reopened into the same
 * performance, which goes on — one run in the Performances list, its report with every call.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from '../packages/server/test/harness';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { addLxCues, makeWorld, type World } from './support/world';

const shots = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));

describe.skipIf(!hasChromium)('ending a performance, and undoing it', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  let sm: Page;

  const status = () => sm.getByTestId('live-status').textContent();
  const showTime = () => sm.getByLabel('Show time').textContent();
  const transport = () => sm.getByRole('group', { name: 'Transport' });
  const runEnd = () => sm.getByRole('group', { name: 'End the performance' });

  /** Put the next cue on standby and call it, as the SM does with S and Space. */
  async function standbyAndGo(name: string): Promise<void> {
    await sm.getByRole('button', { name: new RegExp(`^Standby ${name}`) }).click();
    await sm.getByTestId('lp-cue-standby').filter({ hasText: name }).waitFor();
    await sm.getByRole('button', { name: new RegExp(`^GO ${name}`) }).click();
    await sm.locator('.lp-cue.current').filter({ hasText: name }).waitFor();
  }

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    await addLxCues(world, 3);
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await ctx.addCookies([world.api.sessionCookie()]);
    sm = await ctx.newPage();
    await sm.goto(`${server.url}/scripts/${world.scriptId}`);
    await sm.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await sm.getByTestId('live-panel').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('L1 Stop and Complete sit apart from Pause and GO, and one click on them ends nothing', async () => {
    await sm.getByRole('button', { name: '▶ Play' }).click();
    await expect.poll(status).toBe('Running');
    await standbyAndGo('LX 1');
    // Show time under way, so that a reset to 0:00:00 (and a reopen away from it) can be seen.
    await expect.poll(showTime, { timeout: 10_000 }).not.toBe('0:00:00');
    // Not in the transport group with Play and Pause.
    expect(
      await transport()
        .getByRole('button', { name: /Stop|Complete/ })
        .count(),
    ).toBe(0);
    const pause = await transport().getByRole('button', { name: '❚❚ Pause' }).boundingBox();
    const stop = await runEnd().getByRole('button', { name: '■ Stop…' }).boundingBox();
    expect(stop!.x - (pause!.x + pause!.width)).toBeGreaterThan(150);

    // The stray click: a question, not a stop. The show runs on.
    await runEnd().getByRole('button', { name: '■ Stop…' }).click();
    const ask = sm.getByRole('alertdialog', { name: 'Stop the performance?' });
    await ask.waitFor();
    expect(await ask.textContent()).toContain('The show clock goes back to 0:00:00');
    // The safe answer is the one under the finger: Cancel has the focus.
    expect(await sm.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    expect(await status()).toBe('Running');
    mkdirSync(shots, { recursive: true });
    await sm.getByTestId('live-panel').screenshot({ path: `${shots}sm-stop-confirm.png` });
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await ask.waitFor({ state: 'detached' });
    // Escape backs out too; so does Complete's own question.
    await runEnd().getByRole('button', { name: 'Complete…' }).click();
    await sm.getByRole('alertdialog', { name: 'Complete the performance?' }).waitFor();
    await sm.keyboard.press('Escape');
    await sm.getByRole('alertdialog').waitFor({ state: 'detached' });
    expect(await status()).toBe('Running');
    expect(await showTime()).not.toBe('0:00:00');
  });

  it('L2 a confirmed stop made by mistake is reopened: the same performance goes on', async () => {
    await runEnd().getByRole('button', { name: '■ Stop…' }).click();
    await sm.getByRole('button', { name: 'Yes, stop the performance' }).click();
    await expect.poll(status).toBe('Stopped');
    await expect.poll(showTime).toBe('0:00:00');
    await runEnd()
      .getByText(/Stopped at 0:00:\d\d\. By mistake\?/)
      .waitFor();

    await sm.getByRole('button', { name: '↺ Reopen the performance' }).click();
    await expect.poll(status).toBe('Paused');
    expect(await showTime()).not.toBe('0:00:00');
    // The calls stand where they were: LX 1 called, LX 2 next.
    await sm.locator('.lp-cue.current').filter({ hasText: 'LX 1' }).waitFor();
    await sm.getByRole('button', { name: /^Standby LX 2/ }).waitFor();
    await transport().getByRole('button', { name: 'Resume' }).click();
    await expect.poll(status).toBe('Running');
    await standbyAndGo('LX 2');
    await runEnd().getByRole('button', { name: 'Complete…' }).click();
    await sm.getByRole('button', { name: 'Yes, complete the performance' }).click();
    await expect.poll(status).toBe('Complete');
  });

  it('L2 the Performances list shows one run, and its report has the calls before and after the stop', async () => {
    await sm.goto(`${server.url}/scripts/${world.scriptId}/performances`);
    await sm.getByTestId('performance-row').first().waitFor();
    expect(await sm.getByTestId('performance-row').count()).toBe(1);
    await sm.getByRole('link', { name: 'Performance 1 report' }).click();
    await sm.getByTestId('report-summary').waitFor();
    expect(await sm.getByTestId('report-summary').textContent()).toContain('2 of 3 cues called');
    const called = (name: string) =>
      sm.locator(`[data-testid="report-cue"][data-cue="${name}"]`).locator('td').nth(1).textContent();
    expect(await called('LX 1')).toMatch(/^0:00:\d\d$/);
    expect(await called('LX 2')).toMatch(/^0:00:\d\d$/);
    expect(await called('LX 3')).toBe('not called');
  });
});

describe.skipIf(!hasChromium)('Space during a performance', () => {
  let server: TestServer;
  let browser: Browser;
  let sm: Page;

  const status = () => sm.getByTestId('live-status').textContent();
  const transport = () => sm.getByRole('group', { name: 'Transport' });
  const runEnd = () => sm.getByRole('group', { name: 'End the performance' });

  beforeAll(async () => {
    server = await startAppServer();
    const world = await makeWorld(server.url);
    await addLxCues(world, 3);
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await ctx.addCookies([world.api.sessionCookie()]);
    sm = await ctx.newPage();
    await sm.goto(`${server.url}/scripts/${world.scriptId}`);
    await sm.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
    await sm.getByRole('button', { name: '▶ Play' }).click();
    await sm.getByTestId('live-status').filter({ hasText: 'Running' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('L3 Space on a focused button calls GO and presses nothing else', async () => {
    await sm.getByRole('button', { name: /^Standby LX 1/ }).click();
    await sm.getByTestId('lp-cue-standby').filter({ hasText: 'LX 1' }).waitFor();
    // As after a mouse click on it, a transport button (Pause) has the focus.
    await transport().getByRole('button', { name: '❚❚ Pause' }).focus();
    await sm.keyboard.press('Space');
    await sm.locator('.lp-cue.current').filter({ hasText: 'LX 1' }).waitFor();
    expect(await status()).toBe('Running');
    // In the confirm step the keys are the question's: Space answers it, it calls no GO.
    await sm.getByRole('button', { name: /^Standby LX 2/ }).click();
    await sm.getByTestId('lp-cue-standby').filter({ hasText: 'LX 2' }).waitFor();
    await runEnd().getByRole('button', { name: '■ Stop…' }).click();
    await sm.getByRole('alertdialog', { name: 'Stop the performance?' }).waitFor();
    await sm.keyboard.press('Space');
    await sm.getByRole('alertdialog').waitFor({ state: 'detached' });
    expect(await status()).toBe('Running');
    await sm.getByTestId('lp-cue-standby').filter({ hasText: 'LX 2' }).waitFor();
    await sm.getByRole('button', { name: /^GO LX 2/ }).waitFor();
  });
});
