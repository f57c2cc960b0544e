/** The stage manager's own settings, kept with the account: GET and PATCH /api/auth/me/preferences. */
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { AccountPreferences, PreferencesPatch } from '@cuebe/protocol';
import type { AppContext } from '../context';
import { users } from '../db/schema';
import { unauthorized } from '../errors';
import { parse } from '../http/parse';
import { currentUser } from '../auth/guard';

export async function preferenceRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;

  const read = async (userId: string): Promise<AccountPreferences> => {
    const [row] = await db.select({ p: users.preferences }).from(users).where(eq(users.id, userId));
    return AccountPreferences.parse(row?.p ?? {});
  };

  app.get('/api/auth/me/preferences', async (req) => {
    const user = await currentUser(ctx, req);
    if (!user) throw unauthorized();
    return { preferences: await read(user.id) };
  });

  app.patch('/api/auth/me/preferences', async (req) => {
    const user = await currentUser(ctx, req);
    if (!user) throw unauthorized();
    const patch = parse(PreferencesPatch.partial(), req.body);
    return db.transaction(async (tx) => {
      // Row lock: two devices saving at once each keep the other's fields.
      const [row] = await tx.select({ p: users.preferences }).from(users).where(eq(users.id, user.id)).for('update');
      const current = AccountPreferences.parse(row?.p ?? {});
      const next: AccountPreferences = { ...current, notify: { ...current.notify, ...patch.notify } };
      await tx.update(users).set({ preferences: next }).where(eq(users.id, user.id));
      return { preferences: next };
    });
  });
}
