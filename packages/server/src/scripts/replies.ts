/**
 * Stored answers of keyed REST writes whose answer is more than a version (an import's summary,
 * a saved version): written in the write's own transaction, read back by a retry with the same
 * key, which is answered exactly as the first attempt (SPEC W2).
 */
import { and, eq } from 'drizzle-orm';
import type { Conn } from '../db/open';
import { idempotencyKeys } from '../db/schema';
import { keyReused } from '../http/idempotency';

export type WriteKind = 'import' | 'restore' | 'restoreVersion' | 'saveVersion';

/** What a write with `key` answered, or null when no write used it. 422 when another kind did. */
export async function storedReply(conn: Conn, scriptId: string, key: string, kind: WriteKind): Promise<unknown> {
  const [row] = await conn
    .select({ kind: idempotencyKeys.kind, reply: idempotencyKeys.reply })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scriptId, scriptId), eq(idempotencyKeys.key, key)));
  if (!row) return null;
  if (row.kind !== kind) throw keyReused();
  return row.reply;
}

/** Record the answer in the write's transaction (a second write with the key fails the primary key). */
export async function storeReply(tx: Conn, scriptId: string, key: string, kind: WriteKind, reply: unknown) {
  await tx.insert(idempotencyKeys).values({ scriptId, key, kind, reply });
}
