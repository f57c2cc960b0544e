/** Crew share links: look-up by token, and what a crew member may see. */
import { eq } from 'drizzle-orm';
import { crewView, type View } from '@cuebe/protocol';
import type { Conn } from '../db/open';
import { crew } from '../db/schema';
import { AppError } from '../errors';
import { looksLikeCrewToken, sha256 } from './tokens';

export type CrewRow = typeof crew.$inferSelect;

/**
 * The crew assignment a token opens, or an AppError: 404 unknown token, 403 revoked,
 * 401 expired — each with a message a crew page can show.
 */
export async function crewForToken(db: Conn, token: string | undefined, now: number): Promise<CrewRow> {
  if (!token) throw new AppError(401, 'UNAUTHORIZED', 'a crew link token is required');
  if (!looksLikeCrewToken(token)) throw new AppError(404, 'NOT_FOUND', 'this link is not valid');
  const [row] = await db
    .select()
    .from(crew)
    .where(eq(crew.tokenHash, sha256(token)));
  if (!row) throw new AppError(404, 'NOT_FOUND', 'this link is not valid (it may have been replaced by a new one)');
  checkCrewActive(row, now);
  return row;
}

/** `now`: the reference clock (ms), the same on every node (F5). */
export function checkCrewActive(row: CrewRow, now: number): void {
  if (row.revokedAt) throw new AppError(403, 'REVOKED', 'this link has been revoked by the stage manager');
  if (row.expiresAt.getTime() <= now)
    throw new AppError(401, 'EXPIRED', 'this link has expired; ask the stage manager for a new one');
}

export function viewOfCrew(row: Pick<CrewRow, 'allDepartments' | 'departmentIds'>): View {
  return crewView(row.allDepartments, row.departmentIds);
}
