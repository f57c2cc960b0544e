/**
 * Departments added after the six defaults (docs/SPEC.md D1): each gets its own colour, distinct
 * from the others and from the defaults, Stage Management's grey included; the new-department
 * colour picker moves on after every add without a reload; five-letter initials show whole in the
 * workspace's Dept column.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { Department, type Element } from '@cuebe/protocol';
import type { TestServer } from '../packages/server/test/harness';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { makeWorld, type World } from './support/world';

const ADDED = [
  ['Props', 'PROPS'],
  ['Automation', 'AUTO'],
  ['Wardrobe', 'WARD'],
  ['Pyrotechnics', 'PYRO'],
  ['Wigs', 'WIGS'],
  ['Orchestra', 'BAND'],
] as const;

/** Squared distance of two #rrggbb colours in RGB: far enough apart to tell stripes apart. */
function distance(a: string, b: string): number {
  const rgb = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  const [x, y] = [rgb(a), rgb(b)];
  return Math.sqrt(x.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0));
}

describe.skipIf(!hasChromium)('departments added after the defaults', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  let sm: Page;

  const panel = () => sm.getByRole('region', { name: 'Departments' });

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await ctx.addCookies([world.api.sessionCookie()]);
    sm = await ctx.newPage();
    await sm.goto(`${server.url}/shows/${world.show.id}`);
    await panel().getByLabel('Stage Management colour').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('D1 six added departments get six distinct colours, none close to a default one; the picker moves on', async () => {
    const defaults = await Promise.all(
      ['Lighting', 'Sound', 'Flys', 'Stage', 'Video', 'Stage Management'].map((n) =>
        panel().getByLabel(`${n} colour`, { exact: true }).inputValue(),
      ),
    );
    const picker = panel().getByLabel('New department colour');
    const offered: string[] = [];
    for (const [name, initials] of ADDED) {
      offered.push(await picker.inputValue());
      await panel().getByLabel('New department name').fill(name);
      await panel().getByLabel('New department initials').fill(initials);
      await panel().getByRole('button', { name: 'Add', exact: true }).click();
      await panel().getByLabel(`${name} colour`, { exact: true }).waitFor();
      // No reload: the picker already offers the next colour.
      await expect.poll(() => picker.inputValue()).not.toBe(offered.at(-1));
    }
    const added = await Promise.all(
      ADDED.map(([name]) => panel().getByLabel(`${name} colour`, { exact: true }).inputValue()),
    );
    expect(added, 'each got the colour the picker offered').toEqual(offered);
    expect(new Set(added).size).toBe(6);
    for (const [i, a] of added.entries()) {
      for (const b of added.slice(i + 1)) expect(distance(a, b), `${a} vs ${b}`).toBeGreaterThan(60);
      for (const d of defaults) expect(distance(a, d), `${a} vs default ${d}`).toBeGreaterThan(60);
    }
    // The same colours reach the workspace through the server (and survive a reload).
    await sm.reload();
    expect(await panel().getByLabel('Automation colour', { exact: true }).inputValue()).toBe(added[1]);
  });

  it('D1 the Dept column shows five-letter initials whole', async () => {
    const { departments } = z
      .object({ departments: z.array(Department) })
      .parse(await world.api.call('GET', `/api/shows/${world.show.id}/departments`));
    const cue = (name: string, initials: string, i: number): Element => ({
      id: randomUUID(),
      type: 'CUE',
      name,
      notes: '',
      departmentId: departments.find((d) => d.initials === initials)!.id,
      priority: 'NORMAL',
      offsetMs: 10_000 * i,
      durationMs: null,
      location: '',
      colour: null,
      parentId: null,
      orderKey: `m${String(i).padStart(13, '0')}`,
    });
    for (const [i, [name, initials]] of [
      ['AUTO 1', 'AUTO'],
      ['PROPS 1', 'PROPS'],
    ].entries())
      await world.api.call('POST', `/api/scripts/${world.scriptId}/elements`, cue(name!, initials!, i + 1));
    await sm.goto(`${server.url}/scripts/${world.scriptId}`);
    for (const name of ['AUTO 1', 'PROPS 1']) {
      const select = sm.getByLabel(`${name} department`);
      await select.waitFor();
      const fit = await select.evaluate((el) => {
        const s = getComputedStyle(el);
        const ctx = document.createElement('canvas').getContext('2d')!;
        ctx.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
        const sel = el as HTMLSelectElement;
        const text = sel.selectedOptions[0]!.text;
        // The room for the text: the box without its padding and the native arrow (about 20 px).
        const room = sel.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - 24;
        return { text, width: ctx.measureText(text).width, room };
      });
      expect(fit.text).toBe(name.split(' ')[0]);
      expect(fit.width, `${fit.text} fits`).toBeLessThanOrEqual(fit.room);
    }
  });
});
