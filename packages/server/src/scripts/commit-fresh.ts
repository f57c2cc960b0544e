/**
 * Commit an op computed from the whole current script (an import, a restore of a saved version):
 * it must land on exactly the version it was computed from, so when another change commits in
 * between, read again and compute again.
 *
 * Keyed (SPEC W1, W2): the key is the op's op id, and the answer is stored under it in the same
 * transaction. A retry with the key answers what the first attempt did (after publishing its
 * version again, SPEC W4) and computes nothing: recomputed on the changed script, an import
 * would add its rows a second time and a restore would find nothing left to do.
 */
import { randomUUID } from 'node:crypto';
import type { Op } from '@cuebe/protocol';
import type { AppContext } from '../context';
import type { SessionUser } from '../auth/sessions';
import { AppError } from '../errors';
import { keyReused } from '../http/idempotency';
import { readScript } from '../routes/scripts';
import { commitAndPublish, publishEntry, type CommitRequest } from './publish';
import { storedReply, storeReply, type WriteKind } from './replies';
import { toAppError } from './store';

export type ScriptRead = Awaited<ReturnType<typeof readScript>>;

export interface Computed<T> {
  op: Op | null;
  prepare?: CommitRequest['prepare'];
  /** What to answer with (given the new version, or the unchanged one when op is null). */
  answer: (version: number) => T;
}

export interface WriteKey {
  /** The request's Idempotency-Key; null: the node makes one (it still settles lost replies). */
  key: string | null;
  kind: WriteKind;
}

const ATTEMPTS = 5;

/** The answer of the keyed write, already committed, or null. Its version is published again. */
export async function replay(ctx: AppContext, scriptId: string, key: string, kind: WriteKind): Promise<unknown> {
  try {
    const reply = await storedReply(ctx.database.db, scriptId, key, kind);
    if (reply === null) return null;
    const [entry] = await ctx.store.committedOps(scriptId, [key]);
    if (entry) await publishEntry(ctx, entry);
    return reply;
  } catch (err) {
    throw toAppError(err);
  }
}

export async function commitFresh<T>(
  ctx: AppContext,
  user: SessionUser,
  scriptId: string,
  write: WriteKey,
  compute: (current: ScriptRead) => Computed<T>,
): Promise<T | unknown> {
  const key = write.key ?? randomUUID();
  for (let attempt = 1; ; attempt++) {
    if (write.key) {
      const replayed = await replay(ctx, scriptId, key, write.kind);
      if (replayed !== null) return replayed;
    }
    const current = await readScript(ctx, scriptId);
    const at = current.script.version;
    const { op, prepare, answer } = compute(current);
    if (!op) return answer(at);
    // onlyOnVersion: the op commits as version at + 1 or not at all, so its answer is known now.
    const reply = answer(at + 1);
    try {
      const result = await commitAndPublish(ctx, user, {
        scriptId,
        op,
        opId: key,
        baseVersion: at,
        onlyOnVersion: at,
        prepare: async (tx) => {
          await prepare?.(tx);
          await storeReply(tx, scriptId, key, write.kind, reply);
        },
      });
      if (!result.duplicate) return answer(result.entry.version);
      // Another request with this key committed first: answer with what it stored.
      const replayed = await replay(ctx, scriptId, key, write.kind);
      if (replayed === null) throw keyReused();
      return replayed;
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'CONFLICT') || attempt >= ATTEMPTS) throw err;
    }
  }
}
