/**
 * Order keys (fractional indexing): a move is one field change, never a renumbering. DESIGN §2.
 * Keys compare with plain string comparison (< and >), never localeCompare.
 *
 * The format is fractional-indexing's (docs/PROTOCOL.md, "Order keys"), and whether a key is
 * valid is answered by that same library, so the schema accepts exactly the keys the ordering
 * code can place others around (S16).
 */
import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';

/** Why `key` is not an order key, or null when it is one. */
export function orderKeyProblem(key: string): string | null {
  if (!/^[0-9A-Za-z]+$/.test(key)) return 'an order key holds only the digits 0-9, A-Z and a-z';
  try {
    // The library validates each bound before it uses it; its rules are the format's.
    generateKeyBetween(key, null);
    return null;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return `not a valid order key (${detail}); the format is in docs/PROTOCOL.md`;
  }
}

export const isOrderKey = (key: string): boolean => orderKeyProblem(key) === null;

/**
 * A key that can stand for `key` as a bound: itself, or — for a stored key the ordering code
 * refuses (one written before keys were validated) — the same key without its trailing zeros,
 * which sorts just below it with no key in between. Null when neither is usable.
 */
function usableBound(key: string): string | null {
  if (isOrderKey(key)) return key;
  const trimmed = key.replace(/0+$/, '');
  return trimmed !== key && isOrderKey(trimmed) ? trimmed : null;
}

function bounds(a: string | null, b: string | null): [string | null, string | null] {
  const lo = a === null ? null : usableBound(a);
  const hi = b === null ? null : usableBound(b);
  if (a !== null && lo === null) throw new Error(orderKeyProblem(a) ?? `not a valid order key: ${a}`);
  // An unusable upper bound: place after the lower one instead (as for a >= b below).
  if (hi === null || (lo !== null && lo >= hi)) return [lo, null];
  return [lo, hi];
}

/** A key strictly between a and b (null: open end). Tolerates a >= b by falling back to after a. */
export function keyBetween(a: string | null, b: string | null): string {
  const [lo, hi] = bounds(a, b);
  return generateKeyBetween(lo, hi);
}

/** n keys in order strictly between a and b. */
export function keysBetween(a: string | null, b: string | null, n: number): string[] {
  if (n === 0) return [];
  const [lo, hi] = bounds(a, b);
  return generateNKeysBetween(lo, hi, n);
}
