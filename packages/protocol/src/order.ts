/**
 * Order keys (fractional indexing): a move is one field change, never a renumbering. DESIGN §2.
 * Keys compare with plain string comparison (< and >), never localeCompare.
 */
import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';

/** A key strictly between a and b (null: open end). Tolerates a >= b by falling back to after a. */
export function keyBetween(a: string | null, b: string | null): string {
  if (a !== null && b !== null && a >= b) return generateKeyBetween(a, null);
  return generateKeyBetween(a, b);
}

/** n keys in order strictly between a and b. */
export function keysBetween(a: string | null, b: string | null, n: number): string[] {
  if (n === 0) return [];
  if (a !== null && b !== null && a >= b) return generateNKeysBetween(a, null, n);
  return generateNKeysBetween(a, b, n);
}
