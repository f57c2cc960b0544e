/**
 * A show's production team (issue 9, docs/SPEC.md P11–P15): the owner invites existing accounts
 * by email as editor or viewer, changes their role, removes them and hands over ownership. Every
 * change that narrows or alters someone's rights reaches their open sockets at once through an
 * access message (removed → 1008 `removed`; role changed → 4010, they reconnect with the new role).
 */
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MemberInviteBody, MemberUpdateBody, TransferBody, type Member } from '@cuebe/protocol';
import type { AppContext } from '../context';
import { showMembers, shows, users } from '../db/schema';
import { AppError, conflict, notFound } from '../errors';
import { requireUser } from '../auth/guard';
import { showFor } from '../auth/roles';
import { IdParam, parse } from '../http/parse';
import { teamOf } from '../shows/team';
import { toShow } from '../shows/rows';

const MemberParams = z.object({
  showId: z.uuid('showId must be a UUID'),
  userId: z.uuid('userId must be a UUID'),
});

export async function teamRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;

  /** Close (removed) or refresh (changed) one account's sockets on one show, on every node. */
  const tell = (reason: 'removed' | 'changed', userId: string, showId: string) =>
    ctx.fanout.publish({ type: 'access', origin: ctx.fanout.nodeId, reason, userId, showId });

  async function memberOf(showId: string, userId: string): Promise<Member> {
    const member = (await teamOf(db, showId)).find((m) => m.userId === userId && m.role !== 'owner');
    if (!member) throw notFound('team member');
    return member;
  }

  app.get('/api/shows/:showId/members', async (req) => {
    const user = await requireUser(ctx, req);
    const { showId } = parse(IdParam('showId'), req.params);
    await showFor(db, user.id, showId, 'read');
    return { members: await teamOf(db, showId) };
  });

  app.post('/api/shows/:showId/members', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { showId } = parse(IdParam('showId'), req.params);
    const body = parse(MemberInviteBody, req.body);
    const { show } = await showFor(db, user.id, showId, 'own');
    const email = body.email.trim().toLowerCase();
    const [invitee] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (!invitee) throw new AppError(404, 'NOT_FOUND', 'no account with that email', 'email');
    if (invitee.id === show.ownerId) throw conflict('that account owns this show', 'email');
    const added = await db
      .insert(showMembers)
      .values({ showId, userId: invitee.id, role: body.role, invitedBy: user.id })
      .onConflictDoNothing()
      .returning();
    if (added.length === 0) throw conflict('that account is already on the team', 'email');
    return reply.status(201).send({ member: await memberOf(showId, invitee.id) });
  });

  app.patch('/api/shows/:showId/members/:userId', async (req) => {
    const user = await requireUser(ctx, req);
    const { showId, userId } = parse(MemberParams, req.params);
    const { role } = parse(MemberUpdateBody, req.body);
    await showFor(db, user.id, showId, 'own');
    const before = await memberOf(showId, userId);
    if (before.role === role) return { member: before };
    await db
      .update(showMembers)
      .set({ role })
      .where(and(eq(showMembers.showId, showId), eq(showMembers.userId, userId)));
    await tell('changed', userId, showId);
    return { member: { ...before, role } };
  });

  // The owner removes anyone; a member may also leave on their own.
  app.delete('/api/shows/:showId/members/:userId', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { showId, userId } = parse(MemberParams, req.params);
    await showFor(db, user.id, showId, userId === user.id ? 'read' : 'own');
    const gone = await db
      .delete(showMembers)
      .where(and(eq(showMembers.showId, showId), eq(showMembers.userId, userId)))
      .returning();
    if (gone.length === 0) throw notFound('team member');
    await tell('removed', userId, showId);
    return reply.status(204).send();
  });

  app.post('/api/shows/:showId/transfer', async (req) => {
    const user = await requireUser(ctx, req);
    const { showId } = parse(IdParam('showId'), req.params);
    const { userId } = parse(TransferBody, req.body);
    await showFor(db, user.id, showId, 'own');
    const show = await db.transaction(async (tx) => {
      // Row lock: two transfers at once cannot both pass the owner check.
      const [locked] = await tx.select().from(shows).where(eq(shows.id, showId)).for('update');
      if (!locked || locked.ownerId !== user.id) throw notFound('show');
      const left = await tx
        .delete(showMembers)
        .where(and(eq(showMembers.showId, showId), eq(showMembers.userId, userId)))
        .returning();
      if (left.length === 0)
        throw new AppError(404, 'NOT_FOUND', 'that account is not on this show’s team: invite them first', 'userId');
      const [row] = await tx
        .update(shows)
        .set({ ownerId: userId, updatedAt: new Date() })
        .where(eq(shows.id, showId))
        .returning();
      await tx.insert(showMembers).values({ showId, userId: user.id, role: 'editor', invitedBy: userId });
      return row!;
    });
    // Both rights changed: their sockets reconnect and come back with the new roles.
    await tell('changed', user.id, showId);
    await tell('changed', userId, showId);
    return { show: toShow(show), members: await teamOf(db, showId) };
  });
}
