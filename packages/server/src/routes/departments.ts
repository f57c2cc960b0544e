/** Departments of a show: name, initials (unique in the show), colour. */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { DepartmentCreateBody, DepartmentUpdateBody, nextDepartmentColour } from '@cuebe/protocol';
import type { AppContext } from '../context';
import type { Conn } from '../db/open';
import { crew, departments, elements, scripts } from '../db/schema';
import { conflict } from '../errors';
import { IdParam, parse } from '../http/parse';
import { requireUser } from '../auth/guard';
import { departmentFor, showFor } from '../auth/roles';
import { toDepartment } from '../scripts/rows';

async function checkInitialsFree(db: Conn, showId: string, initials: string, except?: string): Promise<void> {
  const [clash] = await db
    .select({ id: departments.id })
    .from(departments)
    .where(
      and(
        eq(departments.showId, showId),
        sql`lower(${departments.initials}) = ${initials.toLowerCase()}`,
        except ? ne(departments.id, except) : undefined,
      ),
    );
  if (clash) throw conflict(`another department of this show already uses the initials ${initials}`, 'initials');
}

async function listDepartments(db: Conn, showId: string) {
  const rows = await db
    .select()
    .from(departments)
    .where(eq(departments.showId, showId))
    .orderBy(asc(departments.createdAt), asc(departments.name));
  return rows.map(toDepartment);
}

export async function departmentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;

  /**
   * After a change is committed: the show's whole list to every open socket of its scripts, on
   * every node, so open workspaces and crew phones show (and may use) it without a reload.
   */
  async function announce(showId: string): Promise<void> {
    try {
      const list = await listDepartments(db, showId);
      await ctx.fanout.publish({ type: 'departments', origin: ctx.fanout.nodeId, showId, departments: list });
    } catch (err) {
      // The change is committed; devices get the list with their next snapshot.
      ctx.log.warn({ err, showId }, 'departments announcement failed');
    }
  }

  app.get('/api/shows/:showId/departments', async (req) => {
    const user = await requireUser(ctx, req);
    const { showId } = parse(IdParam('showId'), req.params);
    await showFor(db, user.id, showId, 'read');
    return { departments: await listDepartments(db, showId) };
  });

  app.post('/api/shows/:showId/departments', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { showId } = parse(IdParam('showId'), req.params);
    const body = parse(DepartmentCreateBody, req.body);
    await showFor(db, user.id, showId, 'edit');
    await checkInitialsFree(db, showId, body.initials);
    const colour =
      body.colour ??
      nextDepartmentColour(
        (await db.select({ colour: departments.colour }).from(departments).where(eq(departments.showId, showId))).map(
          (d) => d.colour,
        ),
      );
    const [row] = await db
      .insert(departments)
      .values({ id: randomUUID(), showId, ...body, colour })
      .returning();
    await announce(showId);
    return reply.status(201).send({ department: toDepartment(row!) });
  });

  app.patch('/api/departments/:departmentId', async (req) => {
    const user = await requireUser(ctx, req);
    const { departmentId } = parse(IdParam('departmentId'), req.params);
    const body = parse(DepartmentUpdateBody, req.body);
    const { department: dept } = await departmentFor(db, user.id, departmentId, 'edit');
    if (body.initials !== undefined) await checkInitialsFree(db, dept.showId, body.initials, dept.id);
    if (Object.keys(body).length === 0) return { department: toDepartment(dept) };
    const [row] = await db.update(departments).set(body).where(eq(departments.id, departmentId)).returning();
    await announce(dept.showId);
    return { department: toDepartment(row!) };
  });

  app.delete('/api/departments/:departmentId', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { departmentId } = parse(IdParam('departmentId'), req.params);
    const { department: dept } = await departmentFor(db, user.id, departmentId, 'edit');
    const showScripts = db.select({ id: scripts.id }).from(scripts).where(eq(scripts.showId, dept.showId));
    const [used] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(elements)
      .where(and(inArray(elements.scriptId, showScripts), eq(elements.departmentId, departmentId)));
    if (used && used.n > 0)
      throw conflict(`${used.n} element(s) still use ${dept.initials}; move them to another department first`);
    const [held] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(crew)
      .where(and(eq(crew.showId, dept.showId), sql`${crew.departmentIds} @> ${JSON.stringify([departmentId])}::jsonb`));
    if (held && held.n > 0)
      throw conflict(`${held.n} crew link(s) still show ${dept.initials}; change their departments first`);
    await db.delete(departments).where(eq(departments.id, departmentId));
    await announce(dept.showId);
    return reply.status(204).send();
  });
}
