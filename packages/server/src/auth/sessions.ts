/** Session cookies for stage managers: httpOnly, SameSite=Lax, token stored hashed. */
import { and, eq, gt } from 'drizzle-orm';
import type { Conn } from '../db/open';
import { sessions, users } from '../db/schema';
import { randomToken, sha256 } from './tokens';

export const SESSION_COOKIE = 'cuebe_session';

export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
  sessionId: string;
  expiresAt: Date;
}

/**
 * Credential times (creation, expiry, checks) are all on the reference clock every node shares
 * (`ctx.clock.now()`, ms): a node whose own clock is off decides them like every other (F5).
 */
export async function createSession(
  db: Conn,
  userId: string,
  days: number,
  now: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = new Date(now + days * 86_400_000);
  await db.insert(sessions).values({ id: sha256(token), userId, expiresAt });
  return { token, expiresAt };
}

/** The session's user while the session is valid at `now` (reference clock, ms). */
export async function userForSession(db: Conn, token: string | undefined, now: number): Promise<SessionUser | null> {
  if (!token || token.length > 100) return null;
  const id = sha256(token);
  const [row] = await db
    .select({ id: users.id, email: users.email, displayName: users.displayName, expiresAt: sessions.expiresAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, id), gt(sessions.expiresAt, new Date(now))));
  return row ? { ...row, sessionId: id } : null;
}

export async function deleteSession(db: Conn, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** End every session of an account ("log out everywhere"); how many there were. */
export async function deleteSessionsOf(db: Conn, userId: string): Promise<number> {
  const gone = await db.delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.id });
  return gone.length;
}

/** Read one cookie from a Cookie header (the socket upgrade has no Fastify cookie parsing). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
