/**
 * The fan-out contract (STYLE §5): every implementation of Fanout passes the same suite.
 * A "cluster" is one or more nodes on one bus (in-process: one node; Redis: several).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Fanout, FanoutMessage } from '../src/hub/fanout';
import { waitFor } from './wait';

export interface FanoutCluster {
  nodes: Fanout[];
  close(): Promise<void>;
}

export function entryMessage(origin: string, scriptId: string, version: number): FanoutMessage {
  return {
    type: 'entry',
    origin,
    entry: {
      scriptId,
      version,
      opId: randomUUID(),
      actor: { kind: 'sm', name: 'Stage Manager', id: randomUUID(), deviceId: 'dev-1' },
      kind: 'update',
      patch: { upserts: [], deletes: [] },
      prev: { elements: {} },
      at: new Date().toISOString(),
    },
  };
}

/** What a subscriber saw: (origin, version) in arrival order. */
interface Seen {
  origin: string;
  type: string;
  scriptId?: string;
  version?: number;
}

function record(node: Fanout): { seen: Seen[]; stop: () => void } {
  const seen: Seen[] = [];
  const stop = node.subscribe((m) => {
    seen.push(
      m.type === 'entry'
        ? { origin: m.origin, type: m.type, scriptId: m.entry.scriptId, version: m.entry.version }
        : m.type === 'departments'
          ? { origin: m.origin, type: m.type, scriptId: m.showId }
          : { origin: m.origin, type: m.type, scriptId: m.scriptId },
    );
  });
  return { seen, stop };
}

/**
 * Publishes a marker from `from` and waits until every recorder has it: with one order per
 * publisher, anything `from` published before has then arrived too.
 */
async function barrier(from: Fanout, recorders: { seen: Seen[] }[]): Promise<void> {
  const scriptId = `barrier-${randomUUID()}`;
  await from.publish(entryMessage(from.nodeId, scriptId, 0));
  await waitFor(() => recorders.every((r) => r.seen.some((s) => s.scriptId === scriptId)), 5_000, 'barrier');
}

export function fanoutContract(name: string, makeCluster: () => Promise<FanoutCluster>): void {
  describe(`Fanout contract: ${name}`, () => {
    let cluster: FanoutCluster | null = null;
    afterEach(async () => {
      await cluster?.close();
      cluster = null;
    });

    it('F1 every subscriber on every node receives each message exactly once, with its origin', async () => {
      cluster = await makeCluster();
      const { nodes } = cluster;
      const recorders = nodes.flatMap((n) => [record(n), record(n)]);
      const perNode = 50;
      for (let v = 1; v <= perNode; v++) for (const n of nodes) await n.publish(entryMessage(n.nodeId, 'script-a', v));
      await nodes[0]!.publish({ type: 'access', origin: nodes[0]!.nodeId, reason: 'revoked', crewId: randomUUID() });
      for (const n of nodes) await barrier(n, recorders);

      for (const r of recorders) {
        const entries = r.seen.filter((s) => s.scriptId === 'script-a');
        expect(entries).toHaveLength(perNode * nodes.length);
        for (const n of nodes) {
          const mine = entries.filter((s) => s.origin === n.nodeId).map((s) => s.version);
          expect(mine).toEqual(Array.from({ length: perNode }, (_, i) => i + 1));
        }
        expect(r.seen.filter((s) => s.type === 'access')).toEqual([
          { origin: nodes[0]!.nodeId, type: 'access', scriptId: undefined },
        ]);
      }
    });

    it('F2 keeps each publisher’s order, across message types', async () => {
      cluster = await makeCluster();
      const { nodes } = cluster;
      const last = nodes[nodes.length - 1]!;
      const r = record(last);
      const from = nodes[0]!;
      for (let v = 1; v <= 200; v++) {
        await from.publish(entryMessage(from.nodeId, 'script-b', v));
        if (v % 50 === 0)
          await from.publish({ type: 'access', origin: from.nodeId, reason: 'changed', scriptId: `after-${v}` });
      }
      await barrier(from, [r]);
      const order = r.seen
        .filter((s) => s.origin === from.nodeId && !s.scriptId?.startsWith('barrier'))
        .map((s) => (s.type === 'access' ? s.scriptId : s.version));
      const expected: (string | number)[] = [];
      for (let v = 1; v <= 200; v++) {
        expected.push(v);
        if (v % 50 === 0) expected.push(`after-${v}`);
      }
      expect(order).toEqual(expected);
    });

    it('F3 delivers to this node’s own subscribers before publish returns', async () => {
      cluster = await makeCluster();
      const n = cluster.nodes[0]!;
      const r = record(n);
      const p = n.publish(entryMessage(n.nodeId, 'script-c', 1));
      expect(r.seen.map((s) => s.version)).toEqual([1]);
      await p;
    });

    it('F4 unsubscribe and close stop delivery', async () => {
      cluster = await makeCluster();
      const { nodes } = cluster;
      const first = nodes[0]!;
      const gone = record(first);
      const kept = record(first);
      gone.stop();
      await first.publish(entryMessage(first.nodeId, 'script-d', 1));
      expect(gone.seen).toHaveLength(0);
      expect(kept.seen).toHaveLength(1);

      const closing = nodes[nodes.length - 1]!;
      const closed = record(closing);
      await closing.close();
      // Publishing on a closed node neither throws nor reaches anyone.
      await expect(closing.publish(entryMessage(closing.nodeId, 'script-d', 99))).resolves.toBeUndefined();
      const others = nodes.filter((n) => n !== closing).map((n) => ({ node: n, rec: record(n) }));
      for (const { node } of others) await node.publish(entryMessage(node.nodeId, 'script-d', 2));
      if (others.length > 0)
        await barrier(
          others[0]!.node,
          others.map((o) => o.rec),
        );
      expect(closed.seen).toHaveLength(0);
      for (const { rec } of others) expect(rec.seen.some((s) => s.version === 99)).toBe(false);
    });
  });
}
