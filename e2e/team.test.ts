/**
 * The production team in real browsers: the owner invites an editor and a viewer from the show
 * page's Team panel; the viewer's workspace is read-only; the owner sees which row the editor is
 * on; removing the viewer closes their open script at once (docs/SPEC.md P11–P14, S13).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Element } from '@cuebe/protocol';
import type { TestServer } from '../packages/server/test/harness';
import { Api } from './support/api';
import { hasChromium, launchBrowser } from './support/browser';
import { startAppServer } from './support/server';

describe.skipIf(!hasChromium)('production team in real browsers', () => {
  let server: TestServer;
  let browser: Browser;
  let owner: Api;
  let showId = '';
  let scriptId = '';
  const cue: Element = {
    id: randomUUID(),
    type: 'CUE',
    name: 'LX 9',
    notes: '',
    departmentId: null,
    priority: 'NORMAL',
    offsetMs: 60_000,
    durationMs: null,
    location: '',
    colour: null,
    parentId: null,
    orderKey: 'm0000000000001',
  };

  async function account(name: string): Promise<Api> {
    const api = new Api(server.url);
    await api.call('POST', '/api/auth/register', {
      email: `${name.toLowerCase()}@example.com`,
      password: 'correct horse battery',
      displayName: name,
    });
    return api;
  }

  async function pageOf(api: Api, path: string): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await ctx.addCookies([api.sessionCookie()]);
    const page = await ctx.newPage();
    await page.goto(server.url + path);
    return page;
  }

  beforeAll(async () => {
    server = await startAppServer();
    owner = await account('Olivia');
    const made = (await owner.call('POST', '/api/shows', { name: 'The Tempest' })) as { show: { id: string } };
    showId = made.show.id;
    const script = (await owner.call('POST', `/api/shows/${showId}/scripts`, { name: 'Prompt copy' })) as {
      script: { id: string };
    };
    scriptId = script.script.id;
    await owner.call('POST', `/api/scripts/${scriptId}/elements`, cue);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  let eddie: Api;
  let vera: Api;
  let ownerPage: Page;

  it('the owner invites an editor and a viewer from the Team panel; an unknown email is explained', async () => {
    eddie = await account('Eddie');
    vera = await account('Vera');
    ownerPage = await pageOf(owner, `/shows/${showId}`);
    const form = ownerPage.getByRole('form', { name: 'Invite to the team' });
    await form.getByLabel('Email of their Cuebe account').fill('nobody@example.com');
    await form.getByRole('button', { name: 'Invite' }).click();
    await ownerPage.getByText('no account with that email').waitFor();

    await form.getByLabel('Email of their Cuebe account').fill('eddie@example.com');
    await form.getByRole('button', { name: 'Invite' }).click();
    await ownerPage.getByTestId('member-eddie@example.com').waitFor();
    await form.getByLabel('Email of their Cuebe account').fill('vera@example.com');
    await form.getByLabel('Role').selectOption('viewer');
    await form.getByRole('button', { name: 'Invite' }).click();
    await ownerPage.getByTestId('member-vera@example.com').waitFor();
    expect(await ownerPage.getByLabel('Role of Vera').inputValue()).toBe('viewer');
    expect(await ownerPage.getByLabel('Role of Eddie').inputValue()).toBe('editor');
  });

  it('the viewer sees the show with a Viewer badge and a read-only workspace', async () => {
    const home = await pageOf(vera, '/');
    await home
      .getByRole('link', { name: /The Tempest/ })
      .getByText('Viewer')
      .waitFor();
    const ws = await pageOf(vera, `/scripts/${scriptId}`);
    await ws.getByText('Read only — you are a viewer on this show').waitFor();
    const name = ws.getByLabel('LX 9 name', { exact: false }).first();
    await name.waitFor();
    expect(await name.isDisabled()).toBe(true);
    await ws.close();
  });

  it('the owner sees which row the editor is editing, live', async () => {
    await ownerPage.goto(`${server.url}/scripts/${scriptId}`);
    const eddiePage = await pageOf(eddie, `/scripts/${scriptId}`);
    const name = eddiePage.getByLabel('LX 9 name', { exact: false }).first();
    await name.click();
    const mark = ownerPage.getByTestId('editing-by');
    await mark.getByText('Eddie').waitFor();
    // Leaving the table clears it.
    await eddiePage.getByRole('link', { name: 'Shows' }).focus();
    await mark.waitFor({ state: 'detached' });
  });

  it('removing the viewer closes their open script at once', async () => {
    const ws = await pageOf(vera, `/scripts/${scriptId}`);
    await ws.getByText('Read only — you are a viewer on this show').waitFor();
    const members = (await owner.call('GET', `/api/shows/${showId}/members`)) as {
      members: { userId: string; email: string }[];
    };
    const veraId = members.members.find((m) => m.email === 'vera@example.com')!.userId;
    await owner.call('DELETE', `/api/shows/${showId}/members/${veraId}`);
    await ws.getByText('This script is not available').waitFor({ timeout: 2_000 });
  });
});
