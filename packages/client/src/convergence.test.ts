/**
 * Seeded fuzz (fast-check) of the client against the in-memory hub: two SM clients and a crew
 * client, random edits from both SMs and from a third editor on the server, sockets cut, broadcasts
 * lost, undo and redo, a reload from storage — every client ends with exactly the server's state as it may see it,
 * and no op is committed twice.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crewView, filterElements, FULL_VIEW, OpError, type View } from '@cuebe/protocol';
import { SyncClient } from './sync-client';
import { MemoryStore } from './storage';
import { FakeServer, type FakeSocket } from './testing/fake-server';
import { LX, script, SND, sortedElements } from './testing/fixtures';
import { intentArb, opFor, type Intent } from './testing/random-ops';
import { waitFor } from './testing/wait';

type Action =
  | { t: 'edit'; who: 0 | 1; intent: Intent }
  | { t: 'other'; intent: Intent }
  | { t: 'cut'; who: 0 | 1 | 2 }
  | { t: 'lose'; who: 0 | 1 | 2 }
  | { t: 'undo' | 'redo'; who: 0 | 1 }
  | { t: 'reload' }
  | { t: 'flow' };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('edit' as const),
      who: fc.constantFrom(0 as const, 1 as const),
      intent: intentArb,
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('other' as const), intent: intentArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('cut' as const), who: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('lose' as const), who: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constantFrom('undo' as const, 'redo' as const),
      who: fc.constantFrom(0 as const, 1 as const),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'reload' as const }) },
  { weight: 3, arbitrary: fc.constant({ t: 'flow' as const }) },
);

const DEPARTMENTS = [LX.id, SND.id];

interface Handle {
  client: SyncClient;
  sockets: FakeSocket[];
  view: View;
}

function stateOf(c: SyncClient) {
  const snap = c.getSnapshot();
  const s = snap.script!;
  return {
    info: { name: s.name, status: s.status, notes: s.notes, plannedStart: s.plannedStart, plannedEnd: s.plannedEnd },
    elements: snap.elements,
  };
}

async function run(actions: Action[]): Promise<void> {
  const server = new FakeServer({
    script,
    departments: [LX, SND],
    crew: { lx: { name: 'Lx Op', departmentIds: [LX.id] } },
  });
  const store = new MemoryStore();
  const make = (token: string | undefined, storage?: MemoryStore): Handle => {
    const sockets: FakeSocket[] = [];
    const client = new SyncClient({
      url: 'ws://fake',
      deviceId: crypto.randomUUID(),
      ...(token ? { token } : {}),
      ...(storage ? { storage } : {}),
      createSocket: (url) => {
        const s = server.createSocket(url);
        sockets.push(s);
        return s;
      },
      backoff: { baseMs: 1, capMs: 3 },
      retryBackoff: { baseMs: 1, capMs: 3 },
      heartbeatMs: 0,
    });
    void client.start();
    return { client, sockets, view: token ? crewView(false, [LX.id]) : FULL_VIEW };
  };
  const handles: Handle[] = [make(undefined), make(undefined, store), make('lx')];
  try {
    await waitFor(() => handles.every((h) => h.client.getSnapshot().status === 'live'), 'all live');
    for (const a of actions) {
      switch (a.t) {
        case 'edit': {
          const h = handles[a.who]!;
          if (!h.client.getSnapshot().script) break;
          const op = opFor(stateOf(h.client), a.intent, { departmentIds: DEPARTMENTS });
          if (op) h.client.submit(op);
          break;
        }
        case 'other': {
          const op = opFor(server.state, a.intent, { departmentIds: DEPARTMENTS });
          if (op)
            try {
              server.commitDirect(op);
            } catch (err) {
              if (!(err instanceof OpError)) throw err;
            }
          break;
        }
        case 'undo':
          handles[a.who]!.client.undo();
          break;
        case 'redo':
          handles[a.who]!.client.redo();
          break;
        case 'cut':
          handles[a.who]!.sockets.at(-1)?.closeWith(1006, 'cut');
          break;
        case 'lose':
          handles[a.who]!.sockets.at(-1)?.conn.lose.add(server.version + 1);
          break;
        case 'reload': {
          // Client 1 is replaced by a new one on the same storage, as a page reload does.
          await handles[1]!.client.persisted();
          handles[1]!.client.close();
          handles[1] = make(undefined, store);
          break;
        }
        case 'flow':
          await new Promise((r) => setTimeout(r, 0));
          break;
      }
    }
    // A lost version is noticed when the next one arrives (over TCP only a cut loses frames, and
    // a reconnect catches up): end with one more version that nobody loses.
    for (const h of handles) h.sockets.at(-1)?.conn.lose.clear();
    server.commitDirect({ kind: 'scriptInfo', fields: { notes: `end ${crypto.randomUUID()}` } });
    await waitFor(
      () =>
        handles.every((h) => {
          const s = h.client.getSnapshot();
          return s.status === 'live' && s.pendingCount === 0 && s.version === server.version;
        }),
      'all settled',
    );
    for (const h of handles) {
      expect(sortedElements(h.client.getSnapshot().elements.values())).toEqual(
        sortedElements(filterElements(h.view, server.state.elements.values())),
      );
      expect(h.client.getSnapshot().script).toMatchObject(server.state.info);
    }
    const ids = server.log.map((e) => e.opId);
    expect(new Set(ids).size).toBe(ids.length);
  } finally {
    for (const h of handles) h.client.close();
  }
}

describe('client convergence (fuzz, in-memory hub)', () => {
  it('every client converges to the server state through cuts, lost broadcasts, undo/redo and reloads', async () => {
    await fc.assert(fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 60 }), run), {
      numRuns: 150,
      seed: 20_260_101,
    });
  }, 60_000);
});
