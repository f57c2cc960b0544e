/**
 * Who is asking: the SM behind the session cookie, or the crew link behind a Bearer token.
 * Crew links only read: a write that carries a crew token instead of a session is refused.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context';
import { AppError, unauthorized } from '../errors';
import { crewForToken, type CrewRow } from './crew';
import { SESSION_COOKIE, userForSession, type SessionUser } from './sessions';

export function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

export async function currentUser(ctx: AppContext, req: FastifyRequest): Promise<SessionUser | null> {
  return userForSession(ctx.database.db, req.cookies[SESSION_COOKIE], ctx.clock.now());
}

export async function requireUser(ctx: AppContext, req: FastifyRequest): Promise<SessionUser> {
  const user = await currentUser(ctx, req);
  if (user) return user;
  if (bearerToken(req) !== undefined)
    throw new AppError(403, 'FORBIDDEN', 'a crew link opens only the crew view; log in as the stage manager for this');
  throw unauthorized();
}

export async function requireCrew(ctx: AppContext, req: FastifyRequest): Promise<CrewRow> {
  return crewForToken(ctx.database.db, bearerToken(req), ctx.clock.now());
}
