/**
 * Writes whose outcome the database did not tell (SPEC W3). A connection lost after a write was
 * sent — the reply to its COMMIT, or to the one statement of a cached commit, thrown away — may
 * have committed or not. Every write carries a key (an op id, a command id, an Idempotency-Key)
 * recorded in its own transaction, so the node asks the database, on another connection,
 * whether the key is there: yes → the write is answered as committed (and published); no
 * answer → OUTCOME_UNKNOWN, never "not applied", and a retry with the same key settles it.
 */
import { AppError, isUnavailable } from '../errors';

/** How many times the node asks, and the pauses between (a restarting database needs a moment). */
const ASK_PAUSES_MS = [0, 150, 400];

/**
 * Errors raised before the request could reach the database: no connection could be made (or
 * the server refused a new one). Nothing can have been written, so "unavailable" is true.
 */
export function failedBeforeSending(err: unknown): boolean {
  for (let e = err as { code?: string; message?: string; cause?: unknown } | null, i = 0; e && i < 5; i++) {
    if (e.code && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', '57P03', '53300', '08001', '08004'].includes(e.code))
      return true;
    if (e.message && /timeout exceeded when trying to connect/i.test(e.message)) return true;
    if (e.cause === e) break;
    e = e.cause as typeof e;
  }
  return false;
}

export function outcomeUnknown(): AppError {
  return new AppError(
    503,
    'OUTCOME_UNKNOWN',
    'the database did not confirm the write, so it may or may not be saved; retry with the same key (it is never applied twice)',
  );
}

/**
 * After `err` from a write: does it need settling (it may have committed)? A database error of
 * another kind (a constraint, a refusal) is an answer of its own.
 */
export function mayHaveCommitted(err: unknown): boolean {
  return isUnavailable(err) && !failedBeforeSending(err);
}

/**
 * Settle a write that `mayHaveCommitted`: `find` looks for its key in the database (null: not
 * there). Found → its result. Otherwise OUTCOME_UNKNOWN: a write still buffered on the lost
 * connection's server side may yet commit, so "not there" is not "never".
 */
export async function settle<T>(find: () => Promise<T | null>): Promise<T> {
  for (const pause of ASK_PAUSES_MS) {
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    try {
      const found = await find();
      if (found !== null) return found;
      break;
    } catch (err) {
      if (err instanceof AppError) throw err;
      // The database is still out of reach: ask again, then give up honestly.
    }
  }
  throw outcomeUnknown();
}
