/**
 * Owner checks: an SM reaches only rows of shows they own. Anything else is "not found", so
 * nobody can probe whether another owner's show, script or link exists.
 */
import { and, eq } from 'drizzle-orm';
import type { Conn } from '../db/open';
import { departments, scripts, shows } from '../db/schema';
import { notFound } from '../errors';

export async function ownedShow(db: Conn, userId: string, showId: string) {
  const [row] = await db
    .select()
    .from(shows)
    .where(and(eq(shows.id, showId), eq(shows.ownerId, userId)));
  if (!row) throw notFound('show');
  return row;
}

export async function ownedScript(db: Conn, userId: string, scriptId: string) {
  const [row] = await db
    .select({ script: scripts })
    .from(scripts)
    .innerJoin(shows, eq(shows.id, scripts.showId))
    .where(and(eq(scripts.id, scriptId), eq(shows.ownerId, userId)));
  if (!row) throw notFound('script');
  return row.script;
}

export async function ownedDepartment(db: Conn, userId: string, departmentId: string) {
  const [row] = await db
    .select({ department: departments })
    .from(departments)
    .innerJoin(shows, eq(shows.id, departments.showId))
    .where(and(eq(departments.id, departmentId), eq(shows.ownerId, userId)));
  if (!row) throw notFound('department');
  return row.department;
}
