/** A script's history (the op log, newest first) and restoring a past version. */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt, lt } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context';
import { elements, ops, scripts } from '../db/schema';
import { AppError, notFound } from '../errors';
import { idempotencyKey, keyReused } from '../http/idempotency';
import { IdParam, parse } from '../http/parse';
import { requireUser } from '../auth/guard';
import { scriptFor } from '../auth/roles';
import { replay } from '../scripts/commit-fresh';
import { commitAndPublish } from '../scripts/publish';
import { storeReply } from '../scripts/replies';
import { restoreOp, stateBefore } from '../scripts/restore';
import { toElement, toScriptInfo } from '../scripts/rows';
import { toAppError, type LogEntry } from '../scripts/store';
import { summarise } from '../scripts/summary';

export const HistoryQuery = z.strictObject({
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const RestoreBody = z.strictObject({ version: z.number().int().min(0) });

/** Versions a restore may walk back over in one go (each is one small log row). */
const MAX_RESTORE_SPAN = 20_000;

export async function historyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;

  app.get('/api/scripts/:scriptId/history', async (req) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(IdParam('scriptId'), req.params);
    const query = parse(HistoryQuery, req.query);
    await scriptFor(db, user.id, scriptId, 'read');
    const rows = await db
      .select()
      .from(ops)
      .where(and(eq(ops.scriptId, scriptId), query.before === undefined ? undefined : lt(ops.version, query.before)))
      .orderBy(desc(ops.version))
      .limit(query.limit);
    return {
      entries: rows.map((r) => ({
        version: r.version,
        actor: { kind: r.actor.kind, name: r.actor.name },
        at: r.createdAt.toISOString(),
        kind: r.kind,
        summary: summarise(r),
      })),
    };
  });

  app.post('/api/scripts/:scriptId/restore', async (req) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(IdParam('scriptId'), req.params);
    const { version } = parse(RestoreBody, req.body);
    const write = { key: idempotencyKey(req), kind: 'restore' } as const;
    await scriptFor(db, user.id, scriptId, 'edit');
    // The op is computed from the whole current state, so it must land on exactly that state:
    // when another change commits in between, read again and recompute. Keyed: a retry answers
    // what the first attempt did (SPEC W2), never "already equal" from the restored state.
    const key = write.key ?? randomUUID();
    for (let attempt = 1; ; attempt++) {
      if (write.key) {
        const replayed = await replay(ctx, scriptId, key, write.kind);
        if (replayed !== null) return replayed;
      }
      const { current, entries, at } = await readForRestore(ctx, scriptId, version);
      const op = restoreOp(current, stateBefore(current, entries));
      if (!op) return { version: at };
      try {
        const result = await commitAndPublish(ctx, user, {
          scriptId,
          op,
          opId: key,
          baseVersion: at,
          onlyOnVersion: at,
          prepare: (tx) => storeReply(tx, scriptId, key, write.kind, { version: at + 1 }),
        });
        if (!result.duplicate) return { version: result.entry.version };
        const replayed = await replay(ctx, scriptId, key, write.kind);
        if (replayed === null) throw keyReused();
        return replayed;
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'CONFLICT') || attempt >= 5) throw err;
      }
    }
  });
}

/** The current state and every entry after `version`, read at one consistent version. */
async function readForRestore(ctx: AppContext, scriptId: string, version: number) {
  try {
    return await ctx.database.db.transaction(
      async (tx) => {
        const [row] = await tx.select().from(scripts).where(eq(scripts.id, scriptId));
        if (!row) throw notFound('script');
        if (version > row.version)
          throw new AppError(
            400,
            'BAD_VERSION',
            `version ${version} is newer than the script (${row.version})`,
            'version',
          );
        if (row.version - version > MAX_RESTORE_SPAN)
          throw new AppError(
            400,
            'BAD_VERSION',
            `cannot restore more than ${MAX_RESTORE_SPAN} versions back`,
            'version',
          );
        const els = await tx.select().from(elements).where(eq(elements.scriptId, scriptId));
        const logged = await tx
          .select()
          .from(ops)
          .where(and(eq(ops.scriptId, scriptId), gt(ops.version, version)));
        const entries: LogEntry[] = logged.map((r) => ({
          scriptId,
          version: r.version,
          opId: r.opId,
          actor: r.actor,
          kind: r.kind,
          patch: r.patch,
          prev: r.prev,
          at: r.createdAt.toISOString(),
        }));
        return {
          current: { info: toScriptInfo(row), elements: new Map(els.map((e) => [e.id, toElement(e)])) },
          entries,
          at: row.version,
        };
      },
      { isolationLevel: 'repeatable read' },
    );
  } catch (err) {
    throw toAppError(err);
  }
}
