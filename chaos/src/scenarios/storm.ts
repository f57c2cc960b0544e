/**
 * Scenario 4 — reconnect storm. Two thousand crew sockets on one script (LiteCrew: the protocol
 * on real sockets, the real client's Backoff) all lose their connection at once, as when the
 * venue's Wi-Fi drops, while the SM (the real SyncClient) keeps editing. Each device reconnects
 * after exponential backoff with full jitter. Measured from the drop: every device caught up to
 * the version current at the drop within 30 s; the SM's own edit latency (op → ack) and the
 * node's event-loop delay (p99 per 100 ms scrape) during the storm; the node's connections to
 * PostgreSQL, counted by PostgreSQL, against the pool's cap.
 *
 * A control run does the same without jitter (every device waits the full backoff ceiling, so
 * all come back in the same millisecond). The scenario fails unless the jittered run beats the
 * control on the spike it exists to flatten, at the node: the peak of queries waiting for a
 * database connection (2–14 fold lower with jitter in every run so far). Published, not
 * compared: handshakes in flight at once (at 2,000 devices a handshake takes longer than the
 * 500 ms jitter window, so nearly all are in flight at the peak either way), the worst
 * event-loop delay p99 (the same handshake work either way; its worst 100 ms sample went either
 * way between runs once the playback read was shared) and the SM's op → ack p99 (it waits behind
 * the same backlog, and other load on the machine moves it more than the arrival pattern does:
 * see docs/RELIABILITY.md).
 */
import { ChaosClient } from '../clients';
import { Checker, converge, tally } from '../checker';
import { connectCrowd, makeCrowd, missing, type LiteCrew } from '../crowd';
import { startNode, type ServerNode } from '../node';
import { expect, r0, type ScenarioResult } from '../result';
import { max, mib, Sampler } from '../sampler';
import { freshDatabase, type FreshDatabase } from '../services';
import { makeStage } from '../stage';
import { percentile, until } from '../wait';

export interface StormOptions {
  sockets: number;
  log?: (line: string) => void;
}

interface StormRun {
  jitter: boolean;
  /** From the drop to every device live at (at least) the version current at the drop. */
  caughtUpMs: number | null;
  peakInFlight: number;
  handshakeP50: number;
  handshakeP99: number;
  attempts: number;
  closes: string;
  smP99Before: number;
  smP99Storm: number;
  smMaxStorm: number;
  smOpsStorm: number;
  loopP99Before: number;
  loopP99Storm: number;
  loopMaxStorm: number;
  poolWaitingPeak: number;
  poolMax: number;
  dbConnectionsPeak: number;
  rssPeak: number;
  sent: number;
  lost: number;
  duplicated: number;
  reordered: number;
  missing: number;
  problems: string[];
}

const CAUGHT_UP_TARGET_MS = 30_000;
const EDIT_EVERY_MS = 100;

async function stormRun(db: FreshDatabase, jitter: boolean, opts: StormOptions): Promise<StormRun> {
  const problems: string[] = [];
  const tag = jitter ? 'jitter' : 'control';
  const node: ServerNode = await startNode({ name: `storm-${tag}`, databaseUrl: db.url });
  const checker = new Checker(db.url);
  const sampler = new Sampler(node.url, db.url, db.name);
  let crowd: LiteCrew[] = [];
  let sm: ChaosClient | null = null;
  let editTimer: NodeJS.Timeout | null = null;
  let inFlightTimer: NodeJS.Timeout | null = null;
  try {
    const stage = await makeStage(node.url, 20);
    // The real client's defaults (500 ms first ceiling, 30 s cap); the control always waits the
    // whole ceiling, which is what backoff without jitter does.
    const backoff = jitter ? {} : { random: () => 0.999_999 };
    crowd = await makeCrowd(stage, opts.sockets, () => ({ backoff, clockBurst: true }));
    const editor = new ChaosClient(() => node.url, stage.scriptId, { cookie: stage.cookie }).start();
    sm = editor;
    await until(() => editor.snap.status === 'live', 10_000, 'SM live');
    await connectCrowd(crowd, 100);
    opts.log?.(`storm ${tag}: ${crowd.length} crew live`);
    await sampler.start(100);

    const ackAt = new Map<string, number>();
    editor.client.on('ack', (a) => ackAt.set(a.opId, performance.now()));
    let k = 0;
    editTimer = setInterval(() => {
      k++;
      editor.submit({ kind: 'update', id: stage.cueIds[k % stage.cueIds.length]!, fields: { notes: `storm ${k}` } });
    }, EDIT_EVERY_MS);
    // Two seconds of steady editing before the drop, for the figures "before".
    const steadyFrom = performance.now();
    await until(() => performance.now() - steadyFrom >= 2_000, 5_000, 'steady editing', 20);

    const versionAtDrop = (await checker.state(stage.scriptId)).version;
    const dropAt = performance.now();
    for (const c of crowd) c.drop();
    let peakInFlight = 0;
    inFlightTimer = setInterval(() => {
      let n = 0;
      for (const c of crowd) if (c.status === 'handshake' || c.status === 'catching-up') n++;
      peakInFlight = Math.max(peakInFlight, n);
    }, 5);
    let caughtUpMs: number | null = null;
    await until(
      () => crowd.every((c) => c.live && (c.version ?? -1) >= versionAtDrop),
      CAUGHT_UP_TARGET_MS + 15_000,
      'every crew device caught up',
      10,
    ).then(
      () => (caughtUpMs = performance.now() - dropAt),
      (e: Error) =>
        problems.push(
          `${tag}: ${e.message}: ${crowd.filter((c) => !c.live).length} not live, ${crowd.filter((c) => (c.version ?? -1) < versionAtDrop).length} behind v${versionAtDrop}`,
        ),
    );
    const stormEnd = performance.now();
    clearInterval(inFlightTimer);
    inFlightTimer = null;
    await sampler.take();
    clearInterval(editTimer);
    editTimer = null;

    // Everyone ends on the database's version: the SM's queue drained, every device holds it.
    const drained = await converge(checker, stage.scriptId, [editor], 30_000);
    if (!drained.ok) problems.push(`${tag}: SM not drained: ${drained.seen}`);
    const final = (await checker.state(stage.scriptId)).version;
    await until(() => crowd.every((c) => c.version === final), 15_000, `every device at v${final}`, 10).catch(
      (e: Error) => problems.push(`${tag}: ${e.message}: ${crowd.filter((c) => c.version !== final).length} are not`),
    );
    await sampler.stop();
    const state = await checker.state(stage.scriptId);
    const t = tally(state, [editor], [editor]);
    problems.push(...t.problems.map((p) => `${tag}: ${p}`));
    let duplicated = t.duplicated;
    let reordered = t.reordered;
    let gaps = 0;
    for (const c of crowd) {
      const d = c.delivery();
      duplicated += d.duplicated;
      reordered += d.reordered;
      gaps += missing(c, state.version);
    }

    const latency = (from: number, to: number) =>
      [...editor.submittedAt]
        .filter(([, at]) => at >= from && at < to)
        .map(([id, at]) => (ackAt.get(id) ?? Infinity) - at);
    const before = latency(steadyFrom, dropAt);
    const during = latency(dropAt, stormEnd);
    const steady = sampler.between(steadyFrom, dropAt);
    const storm = sampler.between(dropAt, stormEnd + 200);
    const all = sampler.samples;
    const handshakes = crowd.flatMap((c) => c.handshakeMs.slice(1));
    const closeCodes = new Map<number, number>();
    for (const c of crowd)
      for (const cl of c.rec.closes.slice(1)) closeCodes.set(cl.code, (closeCodes.get(cl.code) ?? 0) + 1);
    return {
      jitter,
      caughtUpMs,
      peakInFlight,
      handshakeP50: percentile(handshakes, 50),
      handshakeP99: percentile(handshakes, 99),
      attempts: crowd.reduce((n, c) => n + c.rec.sockets - 1, 0),
      closes: [...closeCodes].map(([code, n]) => `${code} ×${n}`).join(', ') || 'none',
      smP99Before: percentile(before, 99),
      smP99Storm: percentile(during, 99),
      smMaxStorm: max(during),
      smOpsStorm: during.length,
      loopP99Before: max(steady.map((s) => s.loopP99Ms)),
      loopP99Storm: max(storm.map((s) => s.loopP99Ms)),
      loopMaxStorm: max(storm.map((s) => s.loopMaxMs)),
      poolWaitingPeak: max(all.map((s) => s.poolWaiting)),
      poolMax: max(all.map((s) => s.poolMax)),
      dbConnectionsPeak: max(all.map((s) => s.dbConnections)),
      rssPeak: max(all.map((s) => s.rssBytes)),
      sent: t.sent,
      lost: t.lost,
      duplicated,
      reordered,
      missing: gaps,
      problems,
    };
  } finally {
    if (editTimer) clearInterval(editTimer);
    if (inFlightTimer) clearInterval(inFlightTimer);
    for (const c of crowd) c.close();
    sm?.close();
    await sampler.stop();
    await node.kill('SIGKILL');
    await checker.close();
  }
}

export async function stormScenario(opts: StormOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const db = await freshDatabase();
  try {
    const control = await stormRun(db, false, opts);
    opts.log?.(
      `storm control: caught up ${r0(control.caughtUpMs ?? NaN)} ms, peak in flight ${control.peakInFlight}, loop p99 ${r0(control.loopP99Storm)} ms`,
    );
    const run = await stormRun(db, true, opts);
    opts.log?.(
      `storm jitter: caught up ${r0(run.caughtUpMs ?? NaN)} ms, peak in flight ${run.peakInFlight}, loop p99 ${r0(run.loopP99Storm)} ms`,
    );
    const problems = [...control.problems, ...run.problems];
    expect(
      problems,
      run.caughtUpMs !== null && run.caughtUpMs <= CAUGHT_UP_TARGET_MS,
      `not every device caught up within ${CAUGHT_UP_TARGET_MS / 1000} s (${r0(run.caughtUpMs ?? NaN)} ms)`,
    );
    for (const r of [control, run]) {
      const tag = r.jitter ? 'jitter' : 'control';
      expect(
        problems,
        r.lost + r.duplicated + r.reordered + r.missing === 0,
        `${tag}: lost, duplicated, reordered or missing versions`,
      );
      expect(
        problems,
        r.dbConnectionsPeak <= r.poolMax,
        `${tag}: ${r.dbConnectionsPeak} connections to the database, pool cap ${r.poolMax}`,
      );
    }
    expect(
      problems,
      run.poolWaitingPeak < control.poolWaitingPeak,
      `jitter did not lower the queries waiting for a connection (${run.poolWaitingPeak} against ${control.poolWaitingPeak})`,
    );
    const both = (f: (r: StormRun) => number | string, unit = '') => `${f(run)}${unit} (control ${f(control)}${unit})`;
    return {
      scenario: '4 reconnect storm',
      injected: `${opts.sockets} crew sockets reset at once; reconnect with exponential backoff, full jitter (control: no jitter)`,
      load: `1 SM at ${1000 / EDIT_EVERY_MS} ops/s; ${opts.sockets} crew (LiteCrew) on one node`,
      sent: run.sent + control.sent,
      lost: run.lost + control.lost,
      duplicated: run.duplicated + control.duplicated,
      reordered: run.reordered + control.reordered,
      recoveryMs: run.caughtUpMs,
      figures: {
        'caught up after the drop': both((r) => r0(r.caughtUpMs ?? NaN), ' ms'),
        'peak handshakes in flight': both((r) => r.peakInFlight),
        'handshake p50 / p99': both((r) => `${r0(r.handshakeP50)} / ${r0(r.handshakeP99)}`, ' ms'),
        'reconnect attempts': both((r) => r.attempts),
        'closes seen by crew after the drop': both((r) => r.closes),
        'SM op→ack p99 before / during the storm': both((r) => `${r0(r.smP99Before)} / ${r0(r.smP99Storm)}`, ' ms'),
        'SM op→ack max during the storm': both((r) => r0(r.smMaxStorm), ' ms'),
        'SM ops during the storm': both((r) => r.smOpsStorm),
        'event-loop delay p99 before / worst during': both(
          (r) => `${r0(r.loopP99Before)} / ${r0(r.loopP99Storm)}`,
          ' ms',
        ),
        'event-loop delay max during': both((r) => r0(r.loopMaxStorm), ' ms'),
        'pool: queries waiting (peak)': both((r) => r.poolWaitingPeak),
        'database connections (peak, pg_stat_activity) / pool cap': both(
          (r) => `${r.dbConnectionsPeak} / ${r.poolMax}`,
        ),
        'node RSS peak': both((r) => mib(r.rssPeak)),
      },
      problems,
      durationMs: performance.now() - started,
    };
  } finally {
    await db.drop();
  }
}
