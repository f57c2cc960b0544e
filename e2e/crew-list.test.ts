/**
 * The crew's script list is live (docs/SPEC.md S18): a script shared, made shared, unshared or
 * deleted while a crew phone shows the list appears on it or leaves it without a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { Script } from '@cuebe/protocol';
import type { TestServer } from '../packages/server/test/harness';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { makeWorld, type World } from './support/world';

const Created = z.object({ script: Script });

describe.skipIf(!hasChromium)('the crew script list follows sharing live', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  let phone: Page;
  let loads = 0;

  const scripts = () => phone.getByRole('list').getByRole('link');
  const names = () => scripts().allTextContents();

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    phone = await ctx.newPage();
    phone.on('load', () => loads++);
    await phone.goto(world.lxCrew.link);
    await phone.getByRole('heading', { name: 'Scripts' }).waitFor();
    await phone.getByRole('link', { name: /Prompt copy/ }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('S18 sharing a script adds it to an open list, unsharing takes it off, with no reload', async () => {
    const { script } = Created.parse(
      await world.api.call('POST', `/api/shows/${world.show.id}/scripts`, { name: 'Fly plot', shared: false }),
    );
    const before = loads;
    await world.api.call('PATCH', `/api/scripts/${script.id}`, { shared: true });
    await phone.getByRole('link', { name: /Fly plot/ }).waitFor({ timeout: 5_000 });
    await world.api.call('PATCH', `/api/scripts/${script.id}`, { shared: false });
    await phone.getByRole('link', { name: /Fly plot/ }).waitFor({ state: 'detached', timeout: 5_000 });
    expect(await names()).toEqual([expect.stringContaining('Prompt copy')]);
    expect(loads, 'the page was not reloaded').toBe(before);
  });

  it('S18 a script made shared appears; a shared script deleted goes', async () => {
    const { script } = Created.parse(
      await world.api.call('POST', `/api/shows/${world.show.id}/scripts`, { name: 'Sound plot', shared: true }),
    );
    await phone.getByRole('link', { name: /Sound plot/ }).waitFor({ timeout: 5_000 });
    await world.api.call('DELETE', `/api/scripts/${script.id}`);
    await phone.getByRole('link', { name: /Sound plot/ }).waitFor({ state: 'detached', timeout: 5_000 });
  });
});
