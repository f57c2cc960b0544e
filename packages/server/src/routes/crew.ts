/**
 * Crew assignments and their share links (owner only). Showing a link never changes it; rotate
 * and revoke are explicit, and every change of access closes the affected sockets on every node.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply } from 'fastify';
import QRCode from 'qrcode';
import { CrewCreateBody, CrewUpdateBody } from '@cuebe/protocol';
import type { AppContext } from '../context';
import type { Conn } from '../db/open';
import { crew, departments } from '../db/schema';
import { badRequest, conflict } from '../errors';
import type { AccessReason } from '../hub/fanout';
import { IdParam, parse } from '../http/parse';
import { requireUser } from '../auth/guard';
import { crewFor, showFor } from '../auth/roles';
import { crewLink, crewStatus, linkBase, toCrewWithLink, tokenHashFor } from '../auth/crew-link';

const DAY_MS = 86_400_000;
const CrewParam = IdParam('crewId');

/** The expiry a body asks for: an exact time, or days from now; undefined when it names none. */
function expiryOf(body: { expiresAt?: string; expiresInDays?: number }, nowMs: number): Date | undefined {
  if (body.expiresAt !== undefined) return new Date(body.expiresAt);
  if (body.expiresInDays !== undefined) return new Date(nowMs + body.expiresInDays * DAY_MS);
  return undefined;
}

/** Answers that carry a live link: no cache may keep a copy. */
const noStore = (reply: FastifyReply) => reply.header('Cache-Control', 'no-store');

/** The departments a link shows must be this show's, and there must be at least one (or all). */
async function checkDepartments(db: Conn, showId: string, all: boolean, ids: readonly string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (!all && unique.length === 0)
    throw badRequest('choose at least one department, or all departments', 'departmentIds');
  if (unique.length === 0) return [];
  const found = await db
    .select({ id: departments.id })
    .from(departments)
    .where(and(eq(departments.showId, showId), inArray(departments.id, unique)));
  if (found.length !== unique.length)
    throw badRequest("departmentIds: every department must be one of this show's", 'departmentIds');
  return unique;
}

export async function crewRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;
  const closeSockets = (crewId: string, reason: AccessReason) =>
    ctx.fanout.publish({ type: 'access', origin: ctx.fanout.nodeId, reason, crewId });

  app.get('/api/shows/:showId/crew', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const { showId } = parse(IdParam('showId'), req.params);
    await showFor(db, user.id, showId, 'own');
    const rows = await db.select().from(crew).where(eq(crew.showId, showId)).orderBy(asc(crew.createdAt));
    const base = linkBase(ctx, req);
    return { crew: rows.map((r) => toCrewWithLink(ctx, base, r)) };
  });

  app.post('/api/shows/:showId/crew', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const { showId } = parse(IdParam('showId'), req.params);
    const body = parse(CrewCreateBody, req.body);
    await showFor(db, user.id, showId, 'own');
    const departmentIds = await checkDepartments(db, showId, body.allDepartments, body.departmentIds);
    const id = randomUUID();
    const [row] = await db
      .insert(crew)
      .values({
        id,
        showId,
        name: body.name,
        email: body.email,
        role: body.role,
        allDepartments: body.allDepartments,
        departmentIds,
        expiresAt: expiryOf(body, ctx.clock.now()) ?? new Date(ctx.clock.now() + 30 * DAY_MS),
        generation: 0,
        tokenHash: tokenHashFor(ctx, id, 0),
      })
      .returning();
    return reply.status(201).send({ crew: toCrewWithLink(ctx, linkBase(ctx, req), row!) });
  });

  app.patch('/api/crew/:crewId', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const { crewId } = parse(CrewParam, req.params);
    const body = parse(CrewUpdateBody, req.body);
    const before = (await crewFor(db, user.id, crewId, 'own')).crew;
    const all = body.allDepartments ?? before.allDepartments;
    const ids = body.departmentIds ?? before.departmentIds;
    const departmentIds =
      body.allDepartments !== undefined || body.departmentIds !== undefined
        ? await checkDepartments(db, before.showId, all, ids)
        : before.departmentIds;
    const set: Partial<typeof crew.$inferInsert> = { allDepartments: all, departmentIds };
    if (body.name !== undefined) set.name = body.name;
    if (body.email !== undefined) set.email = body.email;
    if (body.role !== undefined) set.role = body.role;
    const expiresAt = expiryOf(body, ctx.clock.now());
    if (expiresAt) set.expiresAt = expiresAt;
    const [row] = await db.update(crew).set(set).where(eq(crew.id, crewId)).returning();
    const viewChanged =
      all !== before.allDepartments || [...departmentIds].sort().join() !== [...before.departmentIds].sort().join();
    // Open sockets hold the old view: make them reconnect for the new one. A shorter expiry
    // too: every node's sockets armed their close at the old one, and reconnect at the new.
    const shortened = row!.expiresAt.getTime() < before.expiresAt.getTime();
    if (viewChanged || shortened) await closeSockets(crewId, 'changed');
    return { crew: toCrewWithLink(ctx, linkBase(ctx, req), row!) };
  });

  app.post('/api/crew/:crewId/rotate', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const { crewId } = parse(CrewParam, req.params);
    const before = (await crewFor(db, user.id, crewId, 'own')).crew;
    const generation = before.generation + 1;
    // A new link is a working link again, even after a revoke.
    const [row] = await db
      .update(crew)
      .set({ generation, tokenHash: tokenHashFor(ctx, crewId, generation), revokedAt: null })
      .where(eq(crew.id, crewId))
      .returning();
    await closeSockets(crewId, 'rotated');
    return { crew: toCrewWithLink(ctx, linkBase(ctx, req), row!) };
  });

  app.post('/api/crew/:crewId/revoke', async (req, reply) => {
    noStore(reply);
    const user = await requireUser(ctx, req);
    const { crewId } = parse(CrewParam, req.params);
    const before = (await crewFor(db, user.id, crewId, 'own')).crew;
    const [row] = before.revokedAt
      ? [before]
      : await db.update(crew).set({ revokedAt: new Date() }).where(eq(crew.id, crewId)).returning();
    await closeSockets(crewId, 'revoked');
    return { crew: toCrewWithLink(ctx, linkBase(ctx, req), row!) };
  });

  app.delete('/api/crew/:crewId', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { crewId } = parse(CrewParam, req.params);
    await crewFor(db, user.id, crewId, 'own');
    await db.delete(crew).where(eq(crew.id, crewId));
    await closeSockets(crewId, 'removed');
    return reply.status(204).send();
  });

  app.get('/api/crew/:crewId/qr.svg', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { crewId } = parse(CrewParam, req.params);
    const row = (await crewFor(db, user.id, crewId, 'own')).crew;
    if (crewStatus(row, ctx.clock.now()) === 'revoked')
      throw conflict('this link is revoked; rotate it to make a new one');
    const svg = await QRCode.toString(crewLink(ctx, linkBase(ctx, req), row), {
      type: 'svg',
      errorCorrectionLevel: 'M',
      margin: 2,
    });
    return reply.type('image/svg+xml').header('Cache-Control', 'no-store').send(svg);
  });
}
