/**
 * What a scenario plays on, made through the REST API as a stage manager would: an account, a
 * show with two departments, a shared script with cues, and crew links.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Element } from '@cuebe/protocol';

export interface Stage {
  base: string;
  cookie: string;
  email: string;
  password: string;
  showId: string;
  scriptId: string;
  dept: { LX: string; SND: string };
  /** The cues the script was given, by id (ops update these). */
  cueIds: string[];
}

export interface CrewLink {
  id: string;
  token: string;
  link: string;
}

const Json = z.record(z.string(), z.unknown());

async function call(base: string, method: string, path: string, cookie: string | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

function field(text: string, ...path: string[]): string {
  let v: unknown = JSON.parse(text);
  for (const k of path) v = Json.parse(v)[k];
  return z.string().parse(v);
}

export async function register(base: string): Promise<{ cookie: string; email: string; password: string }> {
  const email = `chaos-${randomBytes(6).toString('hex')}@example.com`;
  const password = 'correct horse battery staple';
  const r = await call(base, 'POST', '/api/auth/register', null, { email, password, displayName: 'Chaos SM' });
  if (r.status !== 201) throw new Error(`register: ${r.status} ${r.text}`);
  const cookie = r.headers
    .getSetCookie()
    .map((c) => /^(cuebe_session=[^;]+)/.exec(c)?.[1])
    .find(Boolean);
  if (!cookie) throw new Error('register set no cookie');
  return { cookie, email, password };
}

export function cueElement(i: number, departmentId: string | null): Element {
  return {
    id: randomUUID(),
    type: 'CUE',
    name: `Q ${i}`,
    notes: '',
    departmentId,
    priority: 'NORMAL',
    offsetMs: i * 1000,
    durationMs: null,
    location: '',
    colour: null,
    parentId: null,
    orderKey: `a${String(i).padStart(5, '0')}V`,
  };
}

/** An SM, a show (LX and SND), one shared script holding `cues` cues alternating LX / SND. */
export async function makeStage(base: string, cues = 20): Promise<Stage> {
  const sm = await register(base);
  const show = await call(base, 'POST', '/api/shows', sm.cookie, { name: 'Chaos', defaultDepartments: false });
  if (show.status !== 201) throw new Error(`show: ${show.status} ${show.text}`);
  const showId = field(show.text, 'show', 'id');
  const dept = async (name: string, initials: string) => {
    const r = await call(base, 'POST', `/api/shows/${showId}/departments`, sm.cookie, {
      name,
      initials,
      colour: '#ffcc00',
    });
    if (r.status !== 201) throw new Error(`department: ${r.status} ${r.text}`);
    return field(r.text, 'department', 'id');
  };
  const LX = await dept('Lighting', 'LX');
  const SND = await dept('Sound', 'SND');
  const stage: Stage = { base, ...sm, showId, scriptId: '', dept: { LX, SND }, cueIds: [] };
  stage.scriptId = await makeScript(stage);
  const elements = Array.from({ length: cues }, (_, i) => cueElement(i + 1, i % 2 === 0 ? LX : SND));
  const r = await call(base, 'POST', `/api/scripts/${stage.scriptId}/ops`, sm.cookie, {
    opId: randomUUID(),
    baseVersion: 0,
    op: { kind: 'batch', ops: elements.map((element) => ({ kind: 'create', element })) },
  });
  if (r.status >= 300) throw new Error(`seed cues: ${r.status} ${r.text}`);
  stage.cueIds = elements.map((e) => e.id);
  return stage;
}

export async function makeScript(stage: Stage): Promise<string> {
  const r = await call(stage.base, 'POST', `/api/shows/${stage.showId}/scripts`, stage.cookie, {
    name: `Act ${randomBytes(2).toString('hex')}`,
    shared: true,
  });
  if (r.status !== 201) throw new Error(`script: ${r.status} ${r.text}`);
  return field(r.text, 'script', 'id');
}

export async function makeCrew(
  stage: Stage,
  opts: { departmentIds?: string[]; allDepartments?: boolean; name?: string } = {},
): Promise<CrewLink> {
  const r = await call(stage.base, 'POST', `/api/shows/${stage.showId}/crew`, stage.cookie, {
    name: opts.name ?? 'Crew',
    allDepartments: opts.allDepartments ?? true,
    departmentIds: opts.departmentIds ?? [],
  });
  if (r.status !== 201) throw new Error(`crew: ${r.status} ${r.text}`);
  const link = field(r.text, 'crew', 'link');
  return { id: field(r.text, 'crew', 'id'), link, token: link.slice(link.indexOf('#') + 1) };
}

export { call };
