/**
 * Adding rows in the SM workspace (docs/SPEC.md SC4): "+ Cue" and Ctrl+Enter add after the row
 * just added or explicitly selected, never after the row focus last passed through, never after
 * SHOW END, and into a group only after one of its rows, with the table's insertion line and the
 * toolbar saying where. The script's own order (what the book and CSV print) is checked on the
 * server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { Element } from '@cuebe/protocol';
import type { TestServer } from '../packages/server/test/harness';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';
import { makeWorld, type World } from './support/world';

const ScriptRead = z.object({ elements: z.array(Element) });

describe.skipIf(!hasChromium)('adding rows where the SM means', () => {
  let server: TestServer;
  let world: World;
  let browser: Browser;
  let sm: Page;

  const grid = () => sm.getByRole('grid', { name: 'Cues' });
  const hint = () => sm.getByRole('toolbar', { name: 'Script tools' }).getByText(/^New rows go/);

  /** The names in the table, top to bottom. */
  async function tableNames(): Promise<string[]> {
    const cells = grid().getByRole('textbox', { name: / name$/ });
    return cells.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
  }

  /** The script as the server holds it (tree order, as the book and CSV print it), name › parent name. */
  async function saved(): Promise<string[]> {
    const { elements } = ScriptRead.parse(await world.api.call('GET', `/api/scripts/${world.scriptId}`));
    const byId = new Map(elements.map((e) => [e.id, e]));
    return elements.map((e) => (e.parentId ? `${byId.get(e.parentId)!.name} › ${e.name}` : e.name));
  }

  /** Type a name into the row just added (it has the focus) and commit it with Enter. */
  async function typeName(name: string): Promise<void> {
    const cell = grid()
      .getByRole('textbox', { name: / name$/ })
      .and(sm.locator(':focus'));
    await cell.fill(name);
    await cell.press('Enter');
    await grid()
      .getByRole('textbox', { name: `${name} name`, exact: true })
      .waitFor();
  }

  async function plusCue(name: string): Promise<void> {
    await sm.getByRole('button', { name: '+ Cue' }).click();
    await typeName(name);
  }

  async function ctrlEnter(name: string): Promise<void> {
    await sm.keyboard.press('Control+Enter');
    await typeName(name);
  }

  async function editNotes(name: string, notes: string): Promise<void> {
    const cell = grid().getByRole('textbox', { name: `${name} notes`, exact: true });
    await cell.fill(notes);
    await cell.press('Enter');
  }

  beforeAll(async () => {
    server = await startAppServer();
    world = await makeWorld(server.url);
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await ctx.addCookies([world.api.sessionCookie()]);
    sm = await ctx.newPage();
    await sm.goto(`${server.url}/scripts/${world.scriptId}`);
    await sm.locator('[data-testid="sync-status"][data-status="live"]').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('SC4 sequential + Cue and Ctrl+Enter build the order typed, before SHOW END', async () => {
    expect(await tableNames()).toEqual(['SHOW START', 'SHOW END']);
    expect(await hint().textContent()).toBe('New rows go after “SHOW START”');
    // Enter after the name moves focus down to SHOW END: that must not decide where B goes.
    await plusCue('A');
    expect(await hint().textContent()).toBe('New rows go after “A”');
    await plusCue('B');
    await ctrlEnter('C');
    await sm.getByRole('button', { name: '+ Cue' }).click();
    await typeName('D');
    expect(await tableNames()).toEqual(['SHOW START', 'A', 'B', 'C', 'D', 'SHOW END']);
    await expect.poll(saved).toEqual(['SHOW START', 'A', 'B', 'C', 'D', 'SHOW END']);
  });

  it('a disabled button looks disabled: faded and grey, no pointer', async () => {
    const look = (name: string) =>
      sm.getByRole('button', { name, exact: true }).evaluate((el) => {
        const style = getComputedStyle(el);
        return {
          disabled: (el as HTMLButtonElement).disabled,
          opacity: style.opacity,
          cursor: style.cursor,
          filter: style.filter,
        };
      });
    expect(await look('Undo')).toMatchObject({ disabled: false, opacity: '1', cursor: 'pointer' });
    expect(await look('Redo')).toMatchObject({ disabled: true, opacity: '0.4', cursor: 'not-allowed' });
    expect((await look('Redo')).filter).toContain('grayscale');
  });

  it('SC4 the insertion line is drawn where the next row goes: between D and SHOW END', async () => {
    const marked = grid().locator('.insert-after, .insert-before');
    expect(await marked.count()).toBe(1);
    expect(await marked.getByRole('textbox', { name: / name$/ }).inputValue()).toBe('SHOW END');
    expect(await marked.getAttribute('class')).toContain('insert-before');
    const line = await marked.evaluate((el) => {
      const s = getComputedStyle(el, '::before');
      return { colour: s.backgroundColor, height: s.height };
    });
    expect(line.colour).not.toBe('rgba(0, 0, 0, 0)');
    expect(line.height).toBe('3px');
  });

  it('SC4 after grouping, and after editing a row above or inside the group, new rows follow the group', async () => {
    await sm.getByRole('checkbox', { name: 'Select B' }).click();
    await sm.getByRole('checkbox', { name: 'Select C' }).click();
    await sm.getByRole('button', { name: 'Group', exact: true }).click();
    await grid().getByRole('textbox', { name: 'Group name' }).waitFor();
    expect(await hint().textContent()).toBe('New rows go after group “Group”');
    await editNotes('A', 'just above the group');
    await plusCue('E');
    await editNotes('B', 'inside the group');
    await ctrlEnter('F');
    expect(await tableNames()).toEqual(['SHOW START', 'A', 'Group', 'B', 'C', 'E', 'F', 'D', 'SHOW END']);
    await expect.poll(saved).toEqual(['SHOW START', 'A', 'Group', 'Group › B', 'Group › C', 'E', 'F', 'D', 'SHOW END']);
  });

  it('SC4 into a group only after a row of it chosen, and said so; a chosen SHOW END adds before it', async () => {
    await sm.getByRole('checkbox', { name: 'Select C' }).click();
    expect(await hint().textContent()).toBe('New rows go after “C”, inside group “Group”');
    await plusCue('G');
    expect(await hint().textContent()).toBe('New rows go after “G”, inside group “Group”');
    await ctrlEnter('H');
    await sm.getByRole('checkbox', { name: 'Select C' }).click(); // unchosen: the anchor stays H
    await sm.getByRole('checkbox', { name: 'Select SHOW END' }).click();
    expect(await hint().textContent()).toBe('New rows go after “D”');
    await plusCue('I');
    expect(await tableNames()).toEqual([
      'SHOW START',
      'A',
      'Group',
      'B',
      'C',
      'G',
      'H',
      'E',
      'F',
      'D',
      'I',
      'SHOW END',
    ]);
    await expect
      .poll(saved)
      .toEqual([
        'SHOW START',
        'A',
        'Group',
        'Group › B',
        'Group › C',
        'Group › G',
        'Group › H',
        'E',
        'F',
        'D',
        'I',
        'SHOW END',
      ]);
  });
});
