/**
 * Hostile frames, seeded: each is built so that no valid message can come out of it (the
 * database must stay unchanged), and each says what the server must answer with — one error
 * message, one pong, or a close with a given code.
 */
import { randomUUID } from 'node:crypto';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@cuebe/protocol';

const P = PROTOCOL_VERSION;

export interface FuzzFrame {
  kind: string;
  data: string | Buffer;
  binary: boolean;
  /** 'answer': exactly one message back (error or pong); a number: the socket closes with that code. */
  expect: 'answer' | number;
}

export interface FuzzContext {
  /** Element ids of another script (ops on them must fail). */
  foreignIds: string[];
  /** Element ids of this script (well-formed ops on them would apply: only broken ones are sent). */
  ownIds: string[];
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

// None of them is a valid offset (a valid one would be applied and change the database).
const hugeNumbers = [1e308, -1e308, 2 ** 64, -(2 ** 63), Number.MAX_SAFE_INTEGER + 2, 1.5, 0.000001];
const weirdValues: unknown[] = [null, true, [], {}, '', 'x'.repeat(5000), -1, 1e300, [[[]]], { a: { b: {} } }];

/** A message shape with one thing wrong. */
function mutated(r: () => number, ctx: FuzzContext): { kind: string; msg: unknown } {
  const id = pick(r, ctx.ownIds);
  const baseOp = { type: 'op', opId: randomUUID(), baseVersion: 0, op: { kind: 'update', id, fields: { notes: 'x' } } };
  switch (Math.floor(r() * 14)) {
    case 0:
      return { kind: 'wrong type of a field', msg: { ...baseOp, opId: pick(r, weirdValues) } };
    case 1:
      return {
        kind: 'unknown message type',
        msg: { type: pick(r, ['nope', 'OP', 'welcome', 'ack', '', '__proto__']) },
      };
    case 2:
      return { kind: 'unknown field', msg: { type: 'ping', id: 1, t0: 0, [`x${Math.floor(r() * 1e6)}`]: 1 } };
    case 3:
      return {
        kind: 'wrong op field type',
        msg: {
          ...baseOp,
          op: {
            kind: 'update',
            id,
            fields: {
              notes: pick(
                r,
                weirdValues.filter((v) => typeof v !== 'string'),
              ),
            },
          },
        },
      };
    case 4:
      return {
        kind: 'huge string',
        msg: { ...baseOp, op: { kind: 'update', id, fields: { notes: 'n'.repeat(4001 + Math.floor(r() * 50_000)) } } },
      };
    case 5:
      return {
        kind: 'huge number',
        msg: { ...baseOp, op: { kind: 'update', id, fields: { offsetMs: pick(r, hugeNumbers) } } },
      };
    case 6:
      return {
        kind: 'out-of-range version',
        msg: { type: 'resync', fromVersion: pick(r, [-1, 1.5, 2 ** 64, -(2 ** 53), '3', null]) },
      };
    case 7:
      return { kind: 'out-of-range base version', msg: { ...baseOp, baseVersion: pick(r, [-1, 2 ** 60, 0.5, '0']) } };
    case 8:
      return {
        kind: 'op on another script',
        msg: { ...baseOp, op: { kind: 'update', id: pick(r, ctx.foreignIds), fields: { notes: 'stolen' } } },
      };
    case 9:
      return {
        kind: 'op on another script',
        msg: { ...baseOp, op: { kind: 'delete', ids: [pick(r, ctx.foreignIds)] } },
      };
    case 10:
      return {
        kind: 'unknown op kind',
        msg: { ...baseOp, op: { kind: pick(r, ['drop', 'sql', 'constructor', 'toString']) } },
      };
    case 11:
      return { kind: 'second hello', msg: { type: 'hello', protocol: P, lastVersion: null, deviceId: 'd' } };
    case 12:
      return { kind: 'wrong type of a field', msg: { type: 'ping', id: pick(r, ['1', -1, 1.5, null]), t0: 0 } };
    default:
      return {
        kind: 'create with a broken element',
        msg: { ...baseOp, op: { kind: 'create', element: { id: randomUUID(), type: 'CUE', name: '' } } },
      };
  }
}

/** One fuzz frame for an authenticated socket. `last`: the socket may be closed by this one. */
export function authedFrame(r: () => number, ctx: FuzzContext, last: boolean): FuzzFrame {
  const roll = r();
  if (last && roll < 0.3)
    return { kind: '64 KiB + 1 bytes', data: 'x'.repeat(64 * 1024 + 1), binary: false, expect: 1009 };
  if (last && roll < 0.5)
    return {
      kind: 'invalid UTF-8',
      data: Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]),
      binary: false,
      expect: 1007,
    };
  const kindRoll = r();
  if (kindRoll < 0.05)
    return {
      kind: 'binary frame',
      data: Buffer.from(JSON.stringify({ type: 'ping', id: 1, t0: 0 })),
      binary: true,
      expect: 'answer',
    };
  if (kindRoll < 0.08)
    return {
      kind: '10,000-deep nesting',
      data: '['.repeat(10_000) + ']'.repeat(10_000),
      binary: false,
      expect: 'answer',
    };
  if (kindRoll < 0.11) {
    // Deep nesting inside a message the schema recurses into (batch of batches), under 64 KiB.
    let op = '{"kind":"update","id":"nope","fields":{}}';
    for (let i = 0; i < 2_500; i++) op = `{"kind":"batch","ops":[${op}]}`;
    return {
      kind: '2,500-deep batch nesting',
      data: `{"type":"op","opId":"${randomUUID()}","baseVersion":0,"op":${op}}`,
      binary: false,
      expect: 'answer',
    };
  }
  if (kindRoll < 0.15) {
    const text = `{"type":"op","opId":"${randomUUID()}","baseVersion":0,"__proto__":{"type":"ping","id":1,"t0":0},"op":{"kind":"update","id":"${pick(r, ctx.ownIds)}","fields":{"constructor":{"prototype":{"admin":true}}}}}`;
    return { kind: '__proto__ keys', data: text, binary: false, expect: 'answer' };
  }
  if (kindRoll < 0.2) {
    const junk = pick(r, [
      '',
      '{',
      'null',
      '[]',
      '"op"',
      '{"type":',
      'NaN',
      '{"type":"op"}}',
      '\u0000',
      '{"a":1e99999}',
    ]);
    return { kind: 'not JSON / not an object', data: junk, binary: false, expect: 'answer' };
  }
  const m = mutated(r, ctx);
  return { kind: m.kind, data: JSON.stringify(m.msg), binary: false, expect: 'answer' };
}

/** A first frame that is not a valid hello (an unauthenticated socket). */
export function helloFrame(r: () => number): FuzzFrame {
  const roll = r();
  if (roll < 0.05)
    return { kind: 'unauthenticated: 64 KiB + 1 bytes', data: 'h'.repeat(64 * 1024 + 1), binary: false, expect: 1009 };
  if (roll < 0.1)
    return { kind: 'unauthenticated: invalid UTF-8', data: Buffer.from([0xff, 0xff]), binary: false, expect: 1007 };
  if (roll < 0.15) return { kind: 'unauthenticated: binary', data: Buffer.from([1, 2, 3]), binary: true, expect: 4002 };
  if (roll < 0.2)
    return {
      kind: 'unauthenticated: old protocol',
      data: JSON.stringify({ type: 'hello', protocol: MIN_PROTOCOL_VERSION - 1, lastVersion: null, deviceId: 'd' }),
      binary: false,
      expect: 4000,
    };
  if (roll < 0.35)
    return {
      kind: 'unauthenticated: unknown token',
      data: JSON.stringify({ type: 'hello', protocol: P, token: 'A'.repeat(43), lastVersion: null, deviceId: 'd' }),
      binary: false,
      expect: 4003,
    };
  if (roll < 0.4)
    return {
      kind: 'unauthenticated: no credential',
      data: JSON.stringify({ type: 'hello', protocol: P, lastVersion: null, deviceId: 'd' }),
      binary: false,
      expect: 4003,
    };
  if (roll < 0.5)
    return {
      kind: 'unauthenticated: 10,000-deep nesting',
      data: '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
      binary: false,
      expect: 4002,
    };
  const bad = pick(r, [
    { type: 'hello', protocol: '1', lastVersion: null, deviceId: 'd' },
    { type: 'hello', protocol: P, lastVersion: -5, deviceId: 'd' },
    { type: 'hello', protocol: P, lastVersion: null, deviceId: 'd'.repeat(65) },
    { type: 'hello', protocol: P, lastVersion: null, deviceId: 'd', token: 't'.repeat(201) },
    { type: 'hello', protocol: P, lastVersion: null, deviceId: 'd', admin: true },
    { type: 'op', opId: randomUUID(), baseVersion: 0, op: { kind: 'delete', ids: [] } },
    { type: 'ping', id: 1, t0: 0 },
    [],
    null,
  ]);
  return { kind: 'unauthenticated: not a valid hello', data: JSON.stringify(bad), binary: false, expect: 4002 };
}
