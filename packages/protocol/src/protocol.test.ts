/**
 * The wire contract cannot change by accident: the JSON Schema of every client and server
 * message is hashed, and the hash is pinned together with PROTOCOL_VERSION. A schema change
 * must bump PROTOCOL_VERSION (with a line of history in version.ts) and update both pins here.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ClientMessage, ServerMessage } from './messages';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from './version';

const PINNED = { version: 5, hash: '07c138581eacb2cf' };

function schemaHash(): string {
  const schemas = { client: z.toJSONSchema(ClientMessage), server: z.toJSONSchema(ServerMessage) };
  return fnv1a64(JSON.stringify(schemas));
}

/** FNV-1a, 64 bits: enough to notice a change, and pure (the protocol package has no I/O modules). */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

describe('protocol version', () => {
  it('the message schemas match the pinned hash for this PROTOCOL_VERSION', () => {
    const hash = schemaHash();
    const hint =
      PROTOCOL_VERSION === PINNED.version
        ? `message schemas changed (hash ${hash}): bump PROTOCOL_VERSION and pin the new hash and version`
        : `PROTOCOL_VERSION is ${PROTOCOL_VERSION}: pin version ${PROTOCOL_VERSION} with hash ${hash}`;
    expect({ version: PROTOCOL_VERSION, hash }, hint).toEqual(PINNED);
  });

  it('the oldest accepted version is not newer than the current one', () => {
    expect(MIN_PROTOCOL_VERSION).toBeLessThanOrEqual(PROTOCOL_VERSION);
    expect(MIN_PROTOCOL_VERSION).toBeGreaterThanOrEqual(1);
  });

  it('rejects unknown fields and message types (strict parsing at the boundary)', () => {
    const hello = { type: 'hello', protocol: 1, lastVersion: null, deviceId: 'd1' };
    expect(ClientMessage.safeParse(hello).success).toBe(true);
    expect(ClientMessage.safeParse({ ...hello, extra: 1 }).success).toBe(false);
    expect(ClientMessage.safeParse({ type: 'nope' }).success).toBe(false);
    expect(ServerMessage.safeParse({ type: 'pong', id: 1, t0: 1, t1: 2, t2: 3 }).success).toBe(true);
  });
});
