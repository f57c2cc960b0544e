/**
 * The crew's read-only API, by share token (Authorization: Bearer). A crew member sees their
 * show, its shared scripts, and in a script only notes, groups and their departments' cues.
 * Nothing about other shows, other crew members or hidden elements is sent.
 */
import { and, asc, desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { filterElements, treeOrder } from '@cuebe/protocol';
import type { AppContext } from '../context';
import { departments, scripts, shows } from '../db/schema';
import { AppError, notFound } from '../errors';
import { IdParam, parse } from '../http/parse';
import { requireCrew } from '../auth/guard';
import { viewOfCrew } from '../auth/crew';
import { toDepartment, toScript } from '../scripts/rows';
import { toShow } from '../shows/rows';
import { readScript } from './scripts';

export async function crewAccessRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;

  app.get('/api/crew-access/me', async (req, reply) => {
    const member = await requireCrew(ctx, req);
    const [show] = await db.select().from(shows).where(eq(shows.id, member.showId));
    if (!show) throw notFound('show');
    const [depts, shared] = await Promise.all([
      db
        .select()
        .from(departments)
        .where(eq(departments.showId, member.showId))
        .orderBy(asc(departments.createdAt), asc(departments.name)),
      db
        .select()
        .from(scripts)
        .where(and(eq(scripts.showId, member.showId), eq(scripts.shared, true)))
        .orderBy(desc(scripts.createdAt)),
    ]);
    reply.header('Cache-Control', 'no-store');
    return {
      crew: {
        id: member.id,
        name: member.name,
        role: member.role,
        allDepartments: member.allDepartments,
        departmentIds: [...member.departmentIds],
      },
      show: toShow(show),
      departments: depts.map(toDepartment),
      scripts: shared.map(toScript),
    };
  });

  app.get('/api/crew-access/scripts/:scriptId', async (req, reply) => {
    const member = await requireCrew(ctx, req);
    const { scriptId } = parse(IdParam('scriptId'), req.params);
    const data = await readScript(ctx, scriptId).catch((err: unknown) => {
      if (err instanceof AppError && err.status === 404) return null;
      throw err;
    });
    // Unknown, unshared and other shows' scripts all look the same: not found.
    if (!data || data.script.showId !== member.showId || !data.script.shared) throw notFound('script');
    reply.header('Cache-Control', 'no-store');
    const visible = filterElements(viewOfCrew(member), data.elements);
    return {
      script: data.script,
      elements: treeOrder(visible).map((r) => r.element),
      departments: data.departments,
    };
  });
}
