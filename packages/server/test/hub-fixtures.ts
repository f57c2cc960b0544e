/**
 * Rows for hub tests, written straight through Drizzle: a user with a session, a show with
 * departments, a script with elements, crew links.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Element } from '@cuebe/protocol';
import { createSession } from '../src/auth/sessions';
import { crewLinkToken, sha256 } from '../src/auth/tokens';
import { crew, departments, elements, scripts, shows, users } from '../src/db/schema';
import type { TestServer } from './harness';

export interface SmFixture {
  userId: string;
  displayName: string;
  /** Cookie header value for the session. */
  cookie: string;
}

export interface ShowFixture {
  showId: string;
  /** Department ids by initials: LX, SND, FLY. */
  dept: { LX: string; SND: string; FLY: string };
}

export async function makeSm(s: TestServer, displayName = 'Jane SM'): Promise<SmFixture> {
  const db = s.ctx.database.db;
  const userId = randomUUID();
  await db.insert(users).values({
    id: userId,
    email: `${userId}@example.com`,
    displayName,
    passwordHash: 'not-a-real-hash',
  });
  const { token } = await createSession(db, userId, 1, s.ctx.clock.now());
  return { userId, displayName, cookie: `cuebe_session=${encodeURIComponent(token)}` };
}

export async function makeShow(s: TestServer, ownerId: string): Promise<ShowFixture> {
  const db = s.ctx.database.db;
  const showId = randomUUID();
  await db.insert(shows).values({ id: showId, ownerId, name: 'Hamlet' });
  const dept = { LX: randomUUID(), SND: randomUUID(), FLY: randomUUID() };
  await db.insert(departments).values([
    { id: dept.LX, showId, name: 'Lighting', initials: 'LX', colour: '#ffcc00' },
    { id: dept.SND, showId, name: 'Sound', initials: 'SND', colour: '#00ccff' },
    { id: dept.FLY, showId, name: 'Flys', initials: 'FLY', colour: '#cc00ff' },
  ]);
  return { showId, dept };
}

export async function makeScript(
  s: TestServer,
  showId: string,
  opts: { shared?: boolean; elements?: Element[] } = {},
): Promise<string> {
  const db = s.ctx.database.db;
  const scriptId = randomUUID();
  await db
    .insert(scripts)
    .values({ id: scriptId, showId, name: 'Act 1', status: 'WORKING', shared: opts.shared ?? true });
  if (opts.elements?.length) await db.insert(elements).values(opts.elements.map((el) => ({ ...el, scriptId })));
  return scriptId;
}

export async function setShared(s: TestServer, scriptId: string, shared: boolean): Promise<void> {
  await s.ctx.database.db.update(scripts).set({ shared }).where(eq(scripts.id, scriptId));
}

export interface CrewFixture {
  crewId: string;
  token: string;
  name: string;
}

export async function makeCrew(
  s: TestServer,
  showId: string,
  opts: { name?: string; departmentIds?: string[]; allDepartments?: boolean; expiresAt?: Date; revoked?: boolean } = {},
): Promise<CrewFixture> {
  const crewId = randomUUID();
  const token = crewLinkToken(s.ctx.secret, crewId, 0);
  const name = opts.name ?? 'Sam LX';
  await s.ctx.database.db.insert(crew).values({
    id: crewId,
    showId,
    name,
    role: 'operator',
    allDepartments: opts.allDepartments ?? false,
    departmentIds: opts.departmentIds ?? [],
    expiresAt: opts.expiresAt ?? new Date(Date.now() + 86_400_000),
    revokedAt: opts.revoked ? new Date() : null,
    tokenHash: sha256(token),
  });
  return { crewId, token, name };
}

/** Rotate a link the way the REST API does: bump the generation, store the new hash. */
export async function rotateCrew(s: TestServer, crewId: string): Promise<string> {
  const [row] = await s.ctx.database.db.select().from(crew).where(eq(crew.id, crewId));
  const generation = row!.generation + 1;
  const token = crewLinkToken(s.ctx.secret, crewId, generation);
  await s.ctx.database.db
    .update(crew)
    .set({ generation, tokenHash: sha256(token) })
    .where(eq(crew.id, crewId));
  return token;
}

export async function revokeCrew(s: TestServer, crewId: string): Promise<void> {
  await s.ctx.database.db.update(crew).set({ revokedAt: new Date() }).where(eq(crew.id, crewId));
}

let counter = 0;
/** A cue (or note) with sensible defaults; order keys ascend in creation order. */
export function cue(fields: Partial<Element> = {}): Element {
  counter++;
  return {
    id: randomUUID(),
    type: 'CUE',
    name: `LX ${counter}`,
    notes: '',
    departmentId: null,
    priority: 'NORMAL',
    offsetMs: counter * 1000,
    durationMs: null,
    location: '',
    colour: null,
    parentId: null,
    orderKey: `a${String(counter).padStart(6, '0')}V`,
    ...fields,
  };
}
