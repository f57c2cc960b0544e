/** Stage manager accounts: register, log in, log out, who am I. */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { LoginBody, RegisterBody, type User } from '@cuebe/protocol';
import type { AppContext } from '../context';
import { users } from '../db/schema';
import { AppError, conflict, isUniqueViolation, unauthorized } from '../errors';
import { parse } from '../http/parse';
import { clearSessionCookie, setSessionCookie } from '../auth/cookie';
import { currentUser } from '../auth/guard';
import { dummyHash, hashPassword, verifyPassword } from '../auth/password';
import { FailureLimiter } from '../auth/rate-limit';
import { createSession, deleteSession, deleteSessionsOf } from '../auth/sessions';

/** 5 failed logins per IP and email in 15 minutes, then 429 until the oldest failure ages out. */
export const LOGIN_LIMIT = { max: 5, windowMs: 15 * 60 * 1000 };
/**
 * And a looser one per email alone: a guesser with many addresses (a botnet, or the forwarded
 * addresses a trusted proxy passes on) still gets only this many guesses at one account.
 */
export const LOGIN_LIMIT_PER_EMAIL = { max: 50, windowMs: 15 * 60 * 1000 };

const normaliseEmail = (email: string) => email.trim().toLowerCase();
const toUser = (r: { id: string; email: string; displayName: string }): User => ({
  id: r.id,
  email: r.email,
  displayName: r.displayName,
});

export async function authRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;
  const limiter = new FailureLimiter(LOGIN_LIMIT);
  const perEmail = new FailureLimiter(LOGIN_LIMIT_PER_EMAIL);

  app.post('/api/auth/register', async (req, reply) => {
    const body = parse(RegisterBody, req.body);
    const email = normaliseEmail(body.email);
    const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (taken) throw conflict('an account with this email already exists', 'email');
    const passwordHash = await hashPassword(body.password);
    const id = randomUUID();
    try {
      await db.insert(users).values({ id, email, displayName: body.displayName, passwordHash });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('an account with this email already exists', 'email');
      throw err;
    }
    const session = await createSession(db, id, ctx.config.sessionDays, ctx.clock.now());
    setSessionCookie(reply, ctx.config, session.token, session.expiresAt);
    return reply.status(201).send({ user: toUser({ id, email, displayName: body.displayName }) });
  });

  app.post('/api/auth/login', async (req, reply) => {
    const body = parse(LoginBody, req.body);
    const email = normaliseEmail(body.email);
    // req.ip: the peer, or the client a proxy in TRUSTED_PROXIES names (SPEC P20).
    const key = `${req.ip}\n${email}`;
    const wait = Math.max(limiter.retryAfter(key), perEmail.retryAfter(email));
    if (wait > 0) {
      reply.header('Retry-After', String(wait));
      throw new AppError(429, 'RATE_LIMITED', `too many failed log-ins; try again in ${Math.ceil(wait / 60)} min`);
    }
    const [row] = await db.select().from(users).where(eq(users.email, email));
    // An unknown email costs the same hash as a known one, so timing does not reveal accounts.
    const ok = await verifyPassword(body.password, row?.passwordHash ?? (await dummyHash()));
    if (!row || !ok) {
      limiter.fail(key);
      perEmail.fail(email);
      throw unauthorized('wrong email or password');
    }
    limiter.reset(key);
    const session = await createSession(db, row.id, ctx.config.sessionDays, ctx.clock.now());
    setSessionCookie(reply, ctx.config, session.token, session.expiresAt);
    return { user: toUser(row) };
  });

  // Log-out ends this session only: the account's other sessions (another browser, a tablet at
  // the desk) keep their sockets (P6). Ending all of them is its own, explicit request.
  app.post('/api/auth/logout', async (req, reply) => {
    const user = await currentUser(ctx, req);
    if (user) {
      await deleteSession(db, user.sessionId);
      await ctx.fanout.publish({
        type: 'access',
        origin: ctx.fanout.nodeId,
        reason: 'logged-out',
        userId: user.id,
        sessionId: user.sessionId,
      });
    }
    clearSessionCookie(reply, ctx.config);
    return reply.status(204).send();
  });

  app.post('/api/auth/logout-everywhere', async (req, reply) => {
    const user = await currentUser(ctx, req);
    if (!user) throw unauthorized();
    const ended = await deleteSessionsOf(db, user.id);
    await ctx.fanout.publish({ type: 'access', origin: ctx.fanout.nodeId, reason: 'logged-out', userId: user.id });
    clearSessionCookie(reply, ctx.config);
    return { sessionsEnded: ended };
  });

  app.get('/api/auth/me', async (req) => {
    const user = await currentUser(ctx, req);
    if (!user) throw unauthorized();
    return { user: toUser(user) };
  });
}
