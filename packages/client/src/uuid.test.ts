import { afterEach, describe, expect, it, vi } from 'vitest';
import { Id } from '@cuebe/protocol';
import { randomId } from './uuid';

describe('randomId', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('makes valid, distinct UUIDs, also without crypto.randomUUID (insecure contexts)', () => {
    const real = globalThis.crypto;
    const ids = new Set(Array.from({ length: 200 }, randomId));
    vi.stubGlobal('crypto', { getRandomValues: (a: Uint8Array) => real.getRandomValues(a) });
    for (let i = 0; i < 200; i++) ids.add(randomId());
    expect(ids.size).toBe(400);
    for (const id of ids) expect(Id.safeParse(id).success).toBe(true);
  });
});
