import { describe, expect, it } from 'vitest';
import { benchNote, parseFrame, readBenchNote, readChanges, scanSingleChange } from './wire';

const change = (version: number, notes: string) => ({
  version,
  opId: null,
  actor: { kind: 'sm', name: 'Bench SM' },
  at: '2026-01-01T00:00:00.000Z',
  kind: 'update',
  patch: { upserts: [{ id: 'x', type: 'NOTE', name: 'SHOW START', notes, orderKey: 'a0' }], deletes: [] },
});

describe('bench frame reading', () => {
  it('reads a one-change frame from its bytes the same as through JSON.parse', () => {
    const note = benchNote('m', 7, 123456789, 80);
    const buf = Buffer.from(JSON.stringify({ type: 'changes', changes: [change(42, note)] }));
    const fast = scanSingleChange(buf);
    expect(fast).toEqual({ version: 42, notes: note });
    expect(readChanges(parseFrame(buf)!)).toEqual([fast]);
    expect(readBenchNote(fast!.notes!)).toEqual({ phase: 'm', sentUs: 123456789 });
  });

  it('leaves frames with several changes, or other messages, to JSON.parse', () => {
    const two = { type: 'changes', changes: [change(1, benchNote('w', 0, 1, 0)), change(2, benchNote('w', 1, 2, 0))] };
    expect(scanSingleChange(Buffer.from(JSON.stringify(two)))).toBeNull();
    expect(readChanges(parseFrame(Buffer.from(JSON.stringify(two)))!)?.map((c) => c.version)).toEqual([1, 2]);
    expect(scanSingleChange(Buffer.from(JSON.stringify({ type: 'ack', version: 3 })))).toBeNull();
  });

  it('finds no bench note in an element whose notes are something else', () => {
    const buf = Buffer.from(JSON.stringify({ type: 'changes', changes: [change(5, 'Check the haze')] }));
    expect(scanSingleChange(buf)).toEqual({ version: 5, notes: null });
  });
});
