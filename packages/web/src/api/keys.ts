/**
 * Idempotency keys for REST writes (docs/API.md): one key per intended write. The same write
 * tried again — after an error, or an answer that never came — carries the same key, so the
 * server answers it as the first attempt and never writes it twice; once the server has
 * answered it for good (done, or refused), the next one is a new write with a new key.
 */
import { uuid } from '../lib/uuid';
import { ApiError } from './http';

const pending = new Map<string, string>();

/** Answers after which the same write may still have happened (or may yet): keep the key. */
function outcomeOpen(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true;
  return err.network || err.status >= 500 || err.code === 'RATE_LIMITED';
}

/**
 * Run one write under the key of `intent` (what the write is: route, target and body, so
 * the same click on the same thing is the same write).
 */
export async function keyed<T>(intent: string, run: (key: string) => Promise<T>): Promise<T> {
  let key = pending.get(intent);
  if (!key) pending.set(intent, (key = uuid()));
  try {
    const answer = await run(key);
    pending.delete(intent);
    return answer;
  } catch (err) {
    if (!outcomeOpen(err)) pending.delete(intent);
    throw err;
  }
}

/** A short fingerprint of a long body (a CSV) for an intent: FNV-1a, 32 bits, and its length. */
export function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `${text.length}:${(h >>> 0).toString(16)}`;
}
