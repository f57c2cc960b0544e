/**
 * Scenario 1 — crash. Two SM devices send ops (50/s together) through a proxy to a node while
 * three crew watch; at a seeded random moment the node gets SIGKILL, with ops in flight. The
 * proxy then points at a standby node (started and ready before the stream: a fresh process, as
 * a supervisor restart gives, minus its start-up time, which stays out of the window measured).
 * Checked every iteration: every client converges to the database within 5 s, and no client
 * ever holds a version the database does not have; at the end (after the queues drain): every
 * acknowledged op is in the log exactly once, versions are contiguous, every unacknowledged op
 * was resent and applied once.
 */
import { ChaosClient } from '../clients';
import { Checker, converge, divergence, tally } from '../checker';
import { startNode, type ServerNode } from '../node';
import { ChaosProxy } from '../proxy';
import { expect, type ScenarioResult } from '../result';
import { freshDatabase } from '../services';
import { makeCrew, makeStage } from '../stage';
import { percentile, seeded, until } from '../wait';

export interface CrashOptions {
  iterations: number;
  seed: number;
  log?: (line: string) => void;
}

export async function crashScenario(opts: CrashOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const rand = seeded(opts.seed);
  const problems: string[] = [];
  const db = await freshDatabase();
  const checker = new Checker(db.url);
  let n = 0;
  const nodeName = () => `crash-${n++}`;
  let active: ServerNode = await startNode({ name: nodeName(), databaseUrl: db.url });
  const proxy = new ChaosProxy({ host: '127.0.0.1', port: active.port });
  await proxy.listen();
  // One standby, started after each recovery and awaited before the next stream: its start-up
  // (a node process compiling the server, seconds of CPU on a small machine) never overlaps the
  // recovery being measured, nor lengthens the stream before the kill.
  const standbys: Promise<ServerNode>[] = [];
  const refill = () => {
    while (standbys.length < 1) standbys.push(startNode({ name: nodeName(), databaseUrl: db.url }));
  };
  const clients: ChaosClient[] = [];
  const recoveries: number[] = [];
  let kills = 0;
  let inFlightAtKill = 0;
  try {
    const stage = await makeStage(proxy.url, 20);
    const url = () => proxy.url;
    const fast = { backoff: { baseMs: 50, capMs: 500 }, retryBackoff: { baseMs: 50, capMs: 500 } };
    const sms = [0, 1].map(() => new ChaosClient(url, stage.scriptId, { cookie: stage.cookie }, fast).start());
    const crewLinks = await Promise.all([
      makeCrew(stage, { allDepartments: false, departmentIds: [stage.dept.LX] }),
      makeCrew(stage, { allDepartments: false, departmentIds: [stage.dept.SND] }),
      makeCrew(stage, { allDepartments: true }),
    ]);
    const crew = crewLinks.map((l, i) =>
      new ChaosClient(
        url,
        stage.scriptId,
        {
          token: l.token,
          view: {
            kind: 'crew',
            allDepartments: i === 2,
            departmentIds: new Set(i === 0 ? [stage.dept.LX] : i === 1 ? [stage.dept.SND] : []),
          },
        },
        fast,
      ).start(),
    );
    clients.push(...sms, ...crew);
    await until(() => clients.every((c) => c.snap.status === 'live'), 10_000, 'clients live').catch((e: Error) => {
      throw new Error(
        `${e.message}: ${clients.map((c) => `${c.snap.status} ${JSON.stringify(c.rec.closes)}`).join('; ')}`,
      );
    });
    refill();

    let k = 0;
    let sending = false;
    // 25 ops/s per SM device: mostly note edits, now and then a new cue.
    const timers = sms.map((sm, s) =>
      setInterval(() => {
        if (!sending) return;
        k++;
        if (k % 10 === 0) {
          const id = crypto.randomUUID();
          sm.submit({
            kind: 'create',
            element: {
              id,
              type: 'CUE',
              name: `N ${k}`,
              notes: '',
              departmentId: k % 20 === 0 ? stage.dept.LX : stage.dept.SND,
              priority: 'NORMAL',
              offsetMs: k,
              durationMs: null,
              location: '',
              colour: null,
              parentId: null,
              orderKey: `b${String(k).padStart(7, '0')}${s}V`,
            },
          });
        } else {
          const id = stage.cueIds[Math.floor(rand() * stage.cueIds.length)]!;
          sm.submit({ kind: 'update', id, fields: { notes: `sm${s} edit ${k}` } });
        }
      }, 40),
    );

    for (let i = 0; i < opts.iterations; i++) {
      const next = await standbys.shift()!;
      sending = true;
      // Kill at a uniformly random moment 50–1000 ms into the stream.
      const wait = 50 + rand() * 950;
      const t0 = performance.now();
      await until(() => performance.now() - t0 >= wait, 2_000, 'the kill moment', 5);
      inFlightAtKill += sms.reduce((a, sm) => a + sm.snap.pendingCount, 0);
      await active.kill('SIGKILL');
      kills++;
      const killedAt = performance.now();
      sending = false;
      proxy.retarget({ host: '127.0.0.1', port: next.port });
      proxy.dropAll();
      active = next;
      // Every client converges to the database within 5 s, and none ever holds a version the
      // database does not have.
      const c = await converge(checker, stage.scriptId, clients, 5_000);
      const state = c.state;
      for (const a of c.ahead) problems.push(`iteration ${i}: persist before broadcast broken: ${a}`);
      if (!c.ok) {
        problems.push(`iteration ${i}: not converged within 5 s: ${c.seen}`);
        break;
      }
      recoveries.push(performance.now() - killedAt);
      refill();
      for (const c of clients) {
        const d = divergence(state, c);
        if (d) problems.push(`iteration ${i}: a client differs from the database: ${d}`);
      }
      if (problems.length) break;
      if (i % 20 === 0) opts.log?.(`crash ${i + 1}/${opts.iterations}: v${state.version}`);
    }
    sending = false;
    for (const t of timers) clearInterval(t);
    // An op still queued when the loop stopped is not lost yet: give the queues time to drain
    // (bounded), so "lost" counts only ops that never made it.
    const drained = await converge(checker, stage.scriptId, clients, 30_000);
    for (const a of drained.ahead) problems.push(`at the end: persist before broadcast broken: ${a}`);
    if (!drained.ok) problems.push(`at the end: not drained within 30 s: ${drained.seen}`);
    const final = drained.state;
    const t = tally(final, sms, clients);
    problems.push(...t.problems);
    expect(problems, t.lost === 0, `${t.lost} ops lost`);
    expect(problems, t.duplicated === 0, `${t.duplicated} duplicated`);
    expect(problems, t.reordered === 0, `${t.reordered} reordered`);
    expect(problems, t.gaps === 0, `${t.gaps} gaps in the log`);
    expect(problems, t.refused === 0, `${t.refused} ops refused`);
    return {
      scenario: '1 crash',
      injected: `SIGKILL of the node × ${kills}, at a random moment 50–1000 ms into the op stream (seed ${opts.seed})`,
      load: '2 SM devices at 25 ops/s each, 3 crew (LX, SND, all)',
      sent: t.sent,
      lost: t.lost,
      duplicated: t.duplicated,
      reordered: t.reordered,
      recoveryMs: recoveries.length ? Math.max(...recoveries) : null,
      figures: {
        kills,
        'ops pending at the kills (sum)': inFlightAtKill,
        acked: t.acked,
        'log versions': final.version,
        'recovery p50 ms': Math.round(percentile(recoveries, 50)),
        'recovery p99 ms': Math.round(percentile(recoveries, 99)),
      },
      problems,
      durationMs: performance.now() - started,
    };
  } finally {
    for (const c of clients) c.close();
    await active.kill('SIGKILL');
    for (const s of standbys) await (await s).kill('SIGKILL');
    await proxy.close();
    await checker.close();
    await db.drop();
  }
}
