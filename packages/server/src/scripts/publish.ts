/**
 * REST writes go through the same commit pipeline as the socket hub, then fan out, so every
 * open socket sees a change made over HTTP exactly as if it had come from a socket.
 */
import type { Op } from '@cuebe/protocol';
import type { AppContext } from '../context';
import type { SessionUser } from '../auth/sessions';
import type { Conn } from '../db/open';
import type { ActorRef, CommitResult } from './store';

export function smActor(user: SessionUser): ActorRef {
  return { kind: 'sm', name: user.displayName, id: user.id, deviceId: null };
}

export interface CommitRequest {
  scriptId: string;
  op: Op;
  opId?: string | null;
  baseVersion?: number | null;
  onlyOnVersion?: number;
  /** Writes in the same transaction, before the op (see CommitInput.prepare). */
  prepare?: (tx: Conn) => Promise<void>;
}

export async function commitAndPublish(ctx: AppContext, user: SessionUser, req: CommitRequest): Promise<CommitResult> {
  const result = await ctx.store.commit({
    scriptId: req.scriptId,
    opId: req.opId ?? null,
    baseVersion: req.baseVersion ?? null,
    op: req.op,
    actor: smActor(user),
    ...(req.onlyOnVersion === undefined ? {} : { onlyOnVersion: req.onlyOnVersion }),
    ...(req.prepare ? { prepare: req.prepare } : {}),
  });
  // A retried op was broadcast when it first committed.
  if (!result.duplicate)
    await ctx.fanout.publish({
      type: 'entry',
      origin: ctx.fanout.nodeId,
      entry: result.entry,
      conflicts: result.conflicts,
    });
  return result;
}
