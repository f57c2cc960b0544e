/** Shows: an owner's productions. Another owner's show is "not found", never "forbidden". */
import { asc, desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { ShowCreateBody, ShowUpdateBody } from '@cuebe/protocol';
import type { AppContext } from '../context';
import { crew, departments, scripts, shows } from '../db/schema';
import { IdParam, parse } from '../http/parse';
import { requireUser } from '../auth/guard';
import { ownedShow } from '../auth/owner';
import { linkBase, toCrewWithLink } from '../auth/crew-link';
import { toDepartment, toScript } from '../scripts/rows';
import { createShow } from '../shows/create';
import { toShow } from '../shows/rows';

const ShowParam = IdParam('showId');

export async function showRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;

  app.get('/api/shows', async (req) => {
    const user = await requireUser(ctx, req);
    const rows = await db
      .select()
      .from(shows)
      .where(eq(shows.ownerId, user.id))
      .orderBy(desc(shows.createdAt), desc(shows.id));
    return { shows: rows.map(toShow) };
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
    const show = await ownedShow(db, user.id, showId);
    const [depts, scriptRows, crewRows] = await Promise.all([
      db
        .select()
        .from(departments)
        .where(eq(departments.showId, showId))
        .orderBy(asc(departments.createdAt), asc(departments.name)),
      db.select().from(scripts).where(eq(scripts.showId, showId)).orderBy(desc(scripts.createdAt)),
      db.select().from(crew).where(eq(crew.showId, showId)).orderBy(asc(crew.createdAt)),
    ]);
    const base = linkBase(ctx, req);
    // Crew links are secrets: no cache may keep a copy.
    reply.header('Cache-Control', 'no-store');
    return {
      show: toShow(show),
      departments: depts.map(toDepartment),
      scripts: scriptRows.map(toScript),
      crew: crewRows.map((r) => toCrewWithLink(ctx, base, r)),
    };
  });

  app.patch('/api/shows/:showId', async (req) => {
    const user = await requireUser(ctx, req);
    const { showId } = parse(ShowParam, req.params);
    const body = parse(ShowUpdateBody, req.body);
    await ownedShow(db, user.id, showId);
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
    await ownedShow(db, user.id, showId);
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
