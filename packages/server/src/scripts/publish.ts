/**
 * REST writes go through the same commit pipeline as the socket hub, then fan out, so every
 * open socket sees a change made over HTTP exactly as if it had come from a socket.
 */
import { randomUUID } from 'node:crypto';
import type { Op } from '@cuebe/protocol';
import type { AppContext } from '../context';
import type { SessionUser } from '../auth/sessions';
import type { Conn } from '../db/open';
import { keyReused } from '../http/idempotency';
import type { ActorRef, CommitResult, LogEntry } from './store';

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
    // The request's Idempotency-Key; without one the node makes a key of its own, so it can
    // still tell whether a commit whose reply was lost went through (SPEC W3).
    opId: req.opId ?? randomUUID(),
    baseVersion: req.baseVersion ?? null,
    op: req.op,
    actor: smActor(user),
    ...(req.onlyOnVersion === undefined ? {} : { onlyOnVersion: req.onlyOnVersion }),
    ...(req.prepare ? { prepare: req.prepare } : {}),
  });
  // The same key for another kind of write: the first one stands (SPEC W2).
  if (result.duplicate && result.entry.kind !== req.op.kind) throw keyReused();
  // A retried op is published again: harmless (devices keep the highest version), and it
  // delivers a version whose first attempt committed without a reply (SPEC W4).
  await publishEntry(ctx, result.entry, result.conflicts);
  return result;
}

export async function publishEntry(ctx: AppContext, entry: LogEntry, conflicts: CommitResult['conflicts'] = []) {
  await ctx.fanout.publish({ type: 'entry', origin: ctx.fanout.nodeId, entry, conflicts });
}
