/**
 * Re-checking open sockets' credentials against the database. Access changes travel as fan-out
 * messages, and Redis pub/sub drops what is published while a node's subscription is down: a
 * revocation made on node A during a Redis outage never reaches node B's sockets. So when the
 * subscription is live again the hub re-reads every open socket's credential — in a few batched
 * queries, not one per socket — and closes each that lost access with the code the message would
 * have carried (revoked, rotated, expired, unshared, removed, logged-out, deleted; a crew view
 * that changed: reconnect).
 */
import { and, gt, inArray } from 'drizzle-orm';
import { PolicyReason } from '@cuebe/protocol';
import type { Conn } from '../db/open';
import { crew, scripts, sessions, showMembers, shows } from '../db/schema';
import type { AccessReason } from './fanout';
import type { Identity } from './identity';

/** What a re-check needs of a socket. */
export interface Checked {
  readonly identity: Identity | null;
  readonly scriptId: string;
}

/** IN lists stay well inside PostgreSQL's parameter limit. */
const CHUNK = 1_000;

async function inChunks<T>(ids: string[], read: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await read(ids.slice(i, i + CHUNK))));
  return out;
}

/** Each socket that may no longer stay open, with why. Throws when the database cannot be read. */
export async function recheckAccess<C extends Checked>(
  db: Conn,
  sockets: Iterable<C>,
  /** The reference clock (ms): credential times are decided on it (F5). */
  now: number,
): Promise<{ socket: C; reason: AccessReason }[]> {
  const list = [...sockets].filter((s) => s.identity !== null);
  const crewIds = new Set<string>();
  const sessionIds = new Set<string>();
  const scriptIds = new Set<string>();
  for (const s of list) {
    const id = s.identity!;
    if (id.role === 'crew') crewIds.add(id.crewId);
    else sessionIds.add(id.sessionId);
    scriptIds.add(s.scriptId);
  }
  const crewRows = await inChunks([...crewIds], (ids) => db.select().from(crew).where(inArray(crew.id, ids)));
  const liveSessions = await inChunks([...sessionIds], (ids) =>
    db
      .select({ id: sessions.id, userId: sessions.userId })
      .from(sessions)
      .where(and(inArray(sessions.id, ids), gt(sessions.expiresAt, new Date(now)))),
  );
  const scriptRows = await inChunks([...scriptIds], (ids) =>
    db
      .select({ id: scripts.id, showId: scripts.showId, shared: scripts.shared })
      .from(scripts)
      .where(inArray(scripts.id, ids)),
  );
  const onShow = await stillOnShow(db, list, scriptRows);
  const crewById = new Map(crewRows.map((r) => [r.id, r]));
  const sessionById = new Map(liveSessions.map((r) => [r.id, r]));
  const scriptById = new Map(scriptRows.map((r) => [r.id, r]));

  const closes: { socket: C; reason: AccessReason }[] = [];
  for (const s of list) {
    const id = s.identity!;
    const script = scriptById.get(s.scriptId);
    let reason: AccessReason | null = null;
    if (!script) reason = 'deleted';
    else if (id.role === 'sm') {
      const session = sessionById.get(id.sessionId);
      // Who may open a show's scripts is the handshake's rule (auth.ts); what can be lost with
      // Redis is a sign-out or a session that ended, and a deleted script.
      if (!session || session.userId !== id.userId) reason = PolicyReason.LOGGED_OUT;
      // Removed from the show's team (issue 9) while the removal message was lost.
      else if (!onShow.has(`${script.showId}/${id.userId}`)) reason = PolicyReason.REMOVED;
    } else {
      const row = crewById.get(id.crewId);
      if (!row || row.showId !== script.showId) reason = PolicyReason.REMOVED;
      else if (row.revokedAt) reason = PolicyReason.REVOKED;
      else if (id.generation !== undefined && row.generation !== id.generation) reason = PolicyReason.ROTATED;
      else if (row.expiresAt.getTime() <= now) reason = PolicyReason.EXPIRED;
      else if (!script.shared) reason = PolicyReason.UNSHARED;
      else if (
        row.allDepartments !== id.allDepartments ||
        [...row.departmentIds].sort().join() !== [...id.departmentIds].sort().join()
      )
        reason = 'changed';
    }
    if (reason) closes.push({ socket: s, reason });
  }
  return closes;
}

/** `showId/userId` of every SM socket's account that still owns or is on the team of its show. */
async function stillOnShow(
  db: Conn,
  list: readonly Checked[],
  scriptRows: readonly { id: string; showId: string }[],
): Promise<Set<string>> {
  const userIds = [...new Set(list.flatMap((s) => (s.identity?.role === 'sm' ? [s.identity.userId] : [])))];
  const showIds = [...new Set(scriptRows.map((r) => r.showId))];
  if (userIds.length === 0) return new Set();
  const owners = await inChunks(showIds, (ids) =>
    db.select({ showId: shows.id, userId: shows.ownerId }).from(shows).where(inArray(shows.id, ids)),
  );
  const members = await inChunks(userIds, (ids) =>
    db
      .select({ showId: showMembers.showId, userId: showMembers.userId })
      .from(showMembers)
      .where(inArray(showMembers.userId, ids)),
  );
  return new Set([...owners, ...members].map((r) => `${r.showId}/${r.userId}`));
}
