/**
 * Shows: an owner's productions and those whose team the account is on. A show the account has
 * no role on is "not found", never "forbidden".
 */
import { and, asc, desc, eq, or } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { ShowCreateBody, ShowUpdateBody } from '@cuebe/protocol';
import type { AppContext } from '../context';
import { crew, departments, scripts, showMembers, shows } from '../db/schema';
import { IdParam, parse } from '../http/parse';
import { requireUser } from '../auth/guard';
import { showFor } from '../auth/roles';
import { linkBase, toCrewWithLink } from '../auth/crew-link';
import { toDepartment, toScript } from '../scripts/rows';
import { createShow } from '../shows/create';
import { toShow } from '../shows/rows';

const ShowParam = IdParam('showId');

export async function showRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;

  app.get('/api/shows', async (req) => {
    const user = await requireUser(ctx, req);
    // Shows they own and shows whose team they are on, each with their role there.
    const rows = await db
      .select({ show: shows, memberRole: showMembers.role })
      .from(shows)
      .leftJoin(showMembers, and(eq(showMembers.showId, shows.id), eq(showMembers.userId, user.id)))
      .where(or(eq(shows.ownerId, user.id), eq(showMembers.userId, user.id)))
      .orderBy(desc(shows.createdAt), desc(shows.id));
    return {
      shows: rows.map((r) => ({
        ...toShow(r.show),
        role: r.show.ownerId === user.id ? ('owner' as const) : (r.memberRole ?? 'viewer'),
      })),
    };
  });

  app.post('/api/shows', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const body = parse(ShowCreateBody, req.body);
    const created = await createShow(db, user.id, body);
    return reply.status(201).send({ show: toShow(created.show), departments: created.departments.map(toDepartment) });
  });

  app.get('/api/shows/:showId', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { showId } = parse(ShowParam, req.params);
    const { show, role } = await showFor(db, user.id, showId, 'read');
    const [depts, scriptRows, crewRows] = await Promise.all([
      db
        .select()
        .from(departments)
        .where(eq(departments.showId, showId))
        .orderBy(asc(departments.createdAt), asc(departments.name)),
      db.select().from(scripts).where(eq(scripts.showId, showId)).orderBy(desc(scripts.createdAt)),
      // Crew links are the owner's to hand out: the team sees none of them.
      role === 'owner' ? db.select().from(crew).where(eq(crew.showId, showId)).orderBy(asc(crew.createdAt)) : [],
    ]);
    const base = linkBase(ctx, req);
    // Crew links are secrets: no cache may keep a copy.
    reply.header('Cache-Control', 'no-store');
    return {
      show: toShow(show),
      role,
      departments: depts.map(toDepartment),
      scripts: scriptRows.map(toScript),
      crew: crewRows.map((r) => toCrewWithLink(ctx, base, r)),
    };
  });

  app.patch('/api/shows/:showId', async (req) => {
    const user = await requireUser(ctx, req);
    const { showId } = parse(ShowParam, req.params);
    const body = parse(ShowUpdateBody, req.body);
    await showFor(db, user.id, showId, 'own');
    const set: Partial<typeof shows.$inferInsert> = { updatedAt: new Date() };
    if (body.name !== undefined) set.name = body.name;
    if (body.venue !== undefined) set.venue = body.venue;
    if (body.notes !== undefined) set.notes = body.notes;
    if (body.firstPerformanceAt !== undefined)
      set.firstPerformanceAt = body.firstPerformanceAt ? new Date(body.firstPerformanceAt) : null;
    if (body.endsAt !== undefined) set.endsAt = body.endsAt ? new Date(body.endsAt) : null;
    const [row] = await db.update(shows).set(set).where(eq(shows.id, showId)).returning();
    return { show: toShow(row!) };
  });

  app.delete('/api/shows/:showId', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { showId } = parse(ShowParam, req.params);
    await showFor(db, user.id, showId, 'own');
    const gone = await db.select({ id: scripts.id }).from(scripts).where(eq(scripts.showId, showId));
    await db.delete(shows).where(eq(shows.id, showId));
    const origin = ctx.fanout.nodeId;
    await ctx.fanout.publish({ type: 'access', origin, reason: 'deleted', showId });
    for (const s of gone) {
      ctx.store.invalidate(s.id);
      await ctx.fanout.publish({ type: 'access', origin, reason: 'deleted', scriptId: s.id });
    }
    return reply.status(204).send();
  });
}
