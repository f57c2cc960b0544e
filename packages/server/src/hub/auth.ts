/**
 * The socket handshake's credential check (DESIGN §4). SMs: the session cookie of the upgrade
 * request, honoured only when its Origin is allowed (a foreign page must not ride the cookie),
 * and only on scripts of shows they own or are on the team of. Crew: the token from the hello, on
 * shared scripts of their show. Every refusal carries the close code and reason the client acts on.
 */
import { eq } from 'drizzle-orm';
import { CloseCode, Id, PolicyReason, type Hello } from '@cuebe/protocol';
import { crewForToken } from '../auth/crew';
import { userForSession } from '../auth/sessions';
import type { Conn } from '../db/open';
import { scripts } from '../db/schema';
import { roleOnShow } from '../auth/roles';
import { AppError } from '../errors';
import { Refusal, type Identity } from './identity';

/** What the upgrade request offered for an SM. */
export interface SmCredential {
  /** The session cookie's token, when the Origin was allowed. */
  sessionToken: string | undefined;
  /** A session cookie came with a foreign or missing Origin, and was ignored. */
  cookieIgnored: boolean;
}

/** `now`: the reference clock (ms) credentials are checked against (F5). */
export async function authenticate(
  db: Conn,
  scriptId: string,
  hello: Hello,
  sm: SmCredential,
  now: number,
): Promise<Identity> {
  if (!Id.safeParse(scriptId).success) throw new Refusal(CloseCode.NOT_FOUND, 'script not found');
  if (hello.token !== undefined) return authenticateCrew(db, scriptId, hello.token, now);
  return authenticateSm(db, scriptId, sm, now);
}

async function authenticateSm(db: Conn, scriptId: string, sm: SmCredential, now: number): Promise<Identity> {
  if (!sm.sessionToken)
    throw new Refusal(
      CloseCode.FORBIDDEN,
      sm.cookieIgnored ? 'session cookie refused: Origin not allowed' : 'not signed in (no session, no crew token)',
    );
  const user = await userForSession(db, sm.sessionToken, now);
  if (!user) throw new Refusal(CloseCode.FORBIDDEN, 'session expired or signed out; sign in again');
  const [row] = await db.select({ showId: scripts.showId }).from(scripts).where(eq(scripts.id, scriptId));
  if (!row) throw new Refusal(CloseCode.NOT_FOUND, 'script not found');
  // The owner and the show's team (editors, viewers) open it; a viewer's ops are refused later.
  const showRole = await roleOnShow(db, user.id, row.showId);
  if (!showRole) throw new Refusal(CloseCode.FORBIDDEN, 'not on this show’s team');
  return {
    role: 'sm',
    userId: user.id,
    name: user.displayName,
    showId: row.showId,
    sessionId: user.sessionId,
    showRole,
    expiresAt: user.expiresAt.getTime(),
  };
}

async function authenticateCrew(db: Conn, scriptId: string, token: string, now: number): Promise<Identity> {
  let crew;
  try {
    crew = await crewForToken(db, token, now);
  } catch (err) {
    if (err instanceof AppError) {
      if (err.code === 'REVOKED') throw new Refusal(CloseCode.POLICY, PolicyReason.REVOKED);
      if (err.code === 'EXPIRED') throw new Refusal(CloseCode.POLICY, PolicyReason.EXPIRED);
      if (err.code === 'NOT_FOUND' || err.code === 'UNAUTHORIZED')
        throw new Refusal(CloseCode.FORBIDDEN, 'this link is not valid');
    }
    throw err;
  }
  const [script] = await db
    .select({ showId: scripts.showId, shared: scripts.shared })
    .from(scripts)
    .where(eq(scripts.id, scriptId));
  // Another show's script and a missing one look the same to crew: nothing to see here.
  if (!script || script.showId !== crew.showId) throw new Refusal(CloseCode.FORBIDDEN, 'script not available');
  if (!script.shared) throw new Refusal(CloseCode.POLICY, PolicyReason.UNSHARED);
  return {
    role: 'crew',
    crewId: crew.id,
    name: crew.name,
    crewRole: crew.role,
    showId: crew.showId,
    expiresAt: crew.expiresAt.getTime(),
    generation: crew.generation,
    allDepartments: crew.allDepartments,
    departmentIds: crew.departmentIds,
  };
}
