/**
 * The one permission question: what is this account to this show — owner, editor, viewer or
 * nothing (docs/SPEC.md P11–P15). Every route and the socket handshake ask it here. Nothing
 * answers 404 exactly like an unknown id (no probing); a role too small answers 403 with a
 * message that says what is missing.
 */
import { and, eq } from 'drizzle-orm';
import type { ShowRole } from '@cuebe/protocol';
import type { Conn } from '../db/open';
import { crew, departments, scripts, showMembers, shows } from '../db/schema';
import { forbidden, notFound } from '../errors';

/** What a request needs: to read, to change scripts, or to be the owner. */
export type Need = 'read' | 'edit' | 'own';

/** The account's role on a show, or null (not the owner, not a member, or no such show). */
export async function roleOnShow(db: Conn, userId: string, showId: string): Promise<ShowRole | null> {
  const [row] = await db
    .select({ ownerId: shows.ownerId, memberRole: showMembers.role })
    .from(shows)
    .leftJoin(showMembers, and(eq(showMembers.showId, shows.id), eq(showMembers.userId, userId)))
    .where(eq(shows.id, showId));
  return row ? roleOf(userId, row.ownerId, row.memberRole) : null;
}

function roleOf(userId: string, ownerId: string, memberRole: 'editor' | 'viewer' | null): ShowRole | null {
  if (ownerId === userId) return 'owner';
  return memberRole;
}

/** Does `role` cover `need`? */
export function allows(role: ShowRole, need: Need): boolean {
  if (need === 'read') return true;
  if (need === 'edit') return role === 'owner' || role === 'editor';
  return role === 'owner';
}

function refuse(role: ShowRole, need: Need): never {
  if (need === 'own') throw forbidden('only the show’s owner can do this');
  throw forbidden(`you are a ${role} on this show: you can read it but not change it`);
}

/** The show and the account's role, when the role covers `need`. */
export async function showFor(db: Conn, userId: string, showId: string, need: Need) {
  const [row] = await db
    .select({ show: shows, memberRole: showMembers.role })
    .from(shows)
    .leftJoin(showMembers, and(eq(showMembers.showId, shows.id), eq(showMembers.userId, userId)))
    .where(eq(shows.id, showId));
  const role = row ? roleOf(userId, row.show.ownerId, row.memberRole) : null;
  if (!row || !role) throw notFound('show');
  if (!allows(role, need)) refuse(role, need);
  return { show: row.show, role };
}

/** The script and the account's role on its show, when the role covers `need`. */
export async function scriptFor(db: Conn, userId: string, scriptId: string, need: Need) {
  const [row] = await db
    .select({ script: scripts, ownerId: shows.ownerId, memberRole: showMembers.role })
    .from(scripts)
    .innerJoin(shows, eq(shows.id, scripts.showId))
    .leftJoin(showMembers, and(eq(showMembers.showId, shows.id), eq(showMembers.userId, userId)))
    .where(eq(scripts.id, scriptId));
  const role = row ? roleOf(userId, row.ownerId, row.memberRole) : null;
  if (!row || !role) throw notFound('script');
  if (!allows(role, need)) refuse(role, need);
  return { script: row.script, role };
}

/** The department and the account's role on its show, when the role covers `need`. */
export async function departmentFor(db: Conn, userId: string, departmentId: string, need: Need) {
  const [row] = await db
    .select({ department: departments, ownerId: shows.ownerId, memberRole: showMembers.role })
    .from(departments)
    .innerJoin(shows, eq(shows.id, departments.showId))
    .leftJoin(showMembers, and(eq(showMembers.showId, shows.id), eq(showMembers.userId, userId)))
    .where(eq(departments.id, departmentId));
  const role = row ? roleOf(userId, row.ownerId, row.memberRole) : null;
  if (!row || !role) throw notFound('department');
  if (!allows(role, need)) refuse(role, need);
  return { department: row.department, role };
}

/**
 * The crew member (link) and the account's role on its show, when the role covers `need`. A team
 * member asking for what only the owner may do is told so (403, P13), not "not found".
 */
export async function crewFor(db: Conn, userId: string, crewId: string, need: Need) {
  const [row] = await db
    .select({ crew, ownerId: shows.ownerId, memberRole: showMembers.role })
    .from(crew)
    .innerJoin(shows, eq(shows.id, crew.showId))
    .leftJoin(showMembers, and(eq(showMembers.showId, shows.id), eq(showMembers.userId, userId)))
    .where(eq(crew.id, crewId));
  const role = row ? roleOf(userId, row.ownerId, row.memberRole) : null;
  if (!row || !role) throw notFound('crew member');
  if (!allows(role, need)) refuse(role, need);
  return { crew: row.crew, role };
}
