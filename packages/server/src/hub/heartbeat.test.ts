/**
 * The heartbeat's schedule alone (S19): over any socket count and any joins and leaves between
 * ticks, every socket is pinged exactly once per interval (`slots` ticks) while it is there.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeartbeatWheel, heartbeatSlots } from './heartbeat';

interface Life {
  joinedAt: number;
  leftAt: number | null;
  pings: number[];
}

type Step = { kind: 'tick' } | { kind: 'join'; n: number } | { kind: 'leave'; pick: number };

/** Runs the steps; returns every socket's life, with the tick number of each of its pings. */
function run(slots: number, initial: number, steps: Step[]): { lives: Life[]; ticks: number } {
  const lives: Life[] = [];
  const present: number[] = [];
  const join = (tick: number) => {
    lives.push({ joinedAt: tick, leftAt: null, pings: [] });
    present.push(lives.length - 1);
    return lives.length - 1;
  };
  for (let i = 0; i < initial; i++) join(0);
  const wheel = new HeartbeatWheel<number>(slots, present);
  let tick = 0;
  for (const step of steps) {
    if (step.kind === 'tick') {
      for (const id of wheel.tick()) lives[id]!.pings.push(tick);
      tick++;
    } else if (step.kind === 'join') {
      for (let i = 0; i < step.n; i++) wheel.add(join(tick));
    } else if (present.length > 0) {
      const [id] = present.splice(Math.floor(step.pick * present.length), 1);
      wheel.delete(id!);
      lives[id!]!.leftAt = tick;
    }
  }
  return { lives, ticks: tick };
}

/**
 * Exactly once per window of `slots` ticks while present: the first ping within one interval
 * of joining, then one every `slots` ticks, none after leaving. Returns the first breach.
 */
function breach(slots: number, lives: Life[], ticks: number): string | null {
  for (const [id, l] of lives.entries()) {
    const end = l.leftAt ?? ticks;
    if (l.pings.some((p) => p < l.joinedAt || p >= end)) return `socket ${id} pinged outside its life`;
    if (end - l.joinedAt >= slots && !(l.pings.length > 0 && l.pings[0]! - l.joinedAt < slots))
      return `socket ${id}: no ping within one interval of joining`;
    for (let i = 1; i < l.pings.length; i++)
      if (l.pings[i]! - l.pings[i - 1]! !== slots)
        return `socket ${id}: pings ${l.pings[i]! - l.pings[i - 1]!} ticks apart`;
    const last = l.pings.at(-1);
    if (last !== undefined && end - last > slots) return `socket ${id}: a ping missed before it left`;
  }
  return null;
}

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'tick' as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 30 }).map((n) => ({ kind: 'join' as const, n })) },
  {
    weight: 2,
    arbitrary: fc.double({ min: 0, max: 1, maxExcluded: true }).map((pick) => ({ kind: 'leave' as const, pick })),
  },
);

describe('heartbeat schedule', () => {
  it('S19 starting empty, the first socket is pinged within one interval and then once per interval', () => {
    const slots = heartbeatSlots(30_000);
    expect(slots).toBe(100);
    const steps: Step[] = [
      ...Array.from({ length: 250 }, () => ({ kind: 'tick' as const })),
      { kind: 'join', n: 1 },
      ...Array.from({ length: 350 }, () => ({ kind: 'tick' as const })),
    ];
    const { lives, ticks } = run(slots, 0, steps);
    expect(lives[0]!.pings.length).toBe(4);
    expect(breach(slots, lives, ticks)).toBeNull();
  });

  for (const initial of [0, 1, 5, 99, 100, 250]) {
    it(`S19 ${initial} sockets, joining and leaving mid-sweep: each pinged exactly once per interval`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 100 }),
          fc.array(step, { minLength: 50, maxLength: 600 }),
          (slots, steps) => {
            const { lives, ticks } = run(slots, initial, [
              ...steps,
              ...Array.from({ length: 2 * slots }, () => ({ kind: 'tick' as const })),
            ]);
            expect(breach(slots, lives, ticks)).toBeNull();
          },
        ),
        { seed: 20_261_204 + initial, numRuns: 200 },
      );
    });
  }

  it('S19 pings are spread: sockets that join together land in different ticks', () => {
    const wheel = new HeartbeatWheel<number>(100);
    for (let i = 0; i < 5_000; i++) wheel.add(i);
    const perTick = Array.from({ length: 100 }, () => wheel.tick().length);
    expect(Math.max(...perTick)).toBe(50);
    expect(Math.min(...perTick)).toBe(50);
  });
});
