/** S16 one validator for order keys: the schema accepts exactly what the ordering code accepts. */
import fc from 'fast-check';
import { generateKeyBetween } from 'fractional-indexing';
import { describe, expect, it } from 'vitest';
import { OrderKey } from './domain';
import { keyBetween, keysBetween, orderKeyProblem } from './order';

const libraryAccepts = (key: string) => {
  try {
    generateKeyBetween(key, null);
    return true;
  } catch {
    return false;
  }
};
const base62 = fc.stringMatching(/^[0-9A-Za-z]{1,12}$/);

describe('S16 order keys', () => {
  it('S16 the schema accepts a key exactly when fractional-indexing does', () => {
    fc.assert(
      fc.property(fc.oneof(base62, fc.string({ maxLength: 8 })), (key) => {
        expect(OrderKey.safeParse(key).success).toBe(libraryAccepts(key) && /^[0-9A-Za-z]{1,128}$/.test(key));
      }),
      { numRuns: 2000, seed: 15 },
    );
    for (const bad of ['a0BPdn0', 'a00', 'a', 'Z', '0a', 'A00000000000000000000000000'])
      expect(orderKeyProblem(bad)).toMatch(/not a valid order key|digits/);
    for (const good of ['a0', 'a1', 'aZ', 'b00', 'a0V', 'Zz']) expect(orderKeyProblem(good)).toBeNull();
  });

  it('S16 a key between two valid keys sorts strictly between them', () => {
    const valid = base62.filter(libraryAccepts);
    fc.assert(
      fc.property(valid, valid, (x, y) => {
        fc.pre(x !== y);
        const [a, b] = x < y ? [x, y] : [y, x];
        const k = keyBetween(a, b);
        expect(a < k && k < b).toBe(true);
        expect(orderKeyProblem(k)).toBeNull();
      }),
      { numRuns: 1000, seed: 16 },
    );
  });

  it('S16 a stored key that ends in "0" still works as a neighbour, and keys placed by it keep the order', () => {
    const legacy = 'a0BPdn0';
    const after = keyBetween(legacy, 'a1');
    expect(after > legacy && after < 'a1').toBe(true);
    const before = keyBetween('a0', legacy);
    expect(before > 'a0' && before < legacy).toBe(true);
    const three = keysBetween(legacy, null, 3);
    expect(three.every((k) => k > legacy)).toBe(true);
    expect([...three].sort()).toEqual(three);
  });
});
