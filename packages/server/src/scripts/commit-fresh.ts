/**
 * Commit an op computed from the whole current script (an import, a restore of a saved version):
 * it must land on exactly the version it was computed from, so when another change commits in
 * between, read again and compute again.
 */
import type { Op } from '@cuebe/protocol';
import type { AppContext } from '../context';
import type { SessionUser } from '../auth/sessions';
import { AppError } from '../errors';
import { readScript } from '../routes/scripts';
import { commitAndPublish, type CommitRequest } from './publish';

export type ScriptRead = Awaited<ReturnType<typeof readScript>>;

export interface Computed<T> {
  op: Op | null;
  prepare?: CommitRequest['prepare'];
  /** What to answer with (given the new version, or the unchanged one when op is null). */
  answer: (version: number) => T;
}

const ATTEMPTS = 5;

export async function commitFresh<T>(
  ctx: AppContext,
  user: SessionUser,
  scriptId: string,
  compute: (current: ScriptRead) => Computed<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const current = await readScript(ctx, scriptId);
    const at = current.script.version;
    const { op, prepare, answer } = compute(current);
    if (!op) return answer(at);
    try {
      const result = await commitAndPublish(ctx, user, {
        scriptId,
        op,
        baseVersion: at,
        onlyOnVersion: at,
        ...(prepare ? { prepare } : {}),
      });
      return answer(result.entry.version);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'CONFLICT') || attempt >= ATTEMPTS) throw err;
    }
  }
}
