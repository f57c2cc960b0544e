/**
 * Scenario 6 — slow consumers. A thousand crew devices (LiteCrew) watch one script while the SM
 * sends large edits (a batch of 14 cues with 4,000-character notes: about 60 KB per broadcast).
 * One device in ten stops reading its socket (the TCP socket is paused: the kernel buffers fill,
 * then the server's send buffer). Checked: the server cuts each of them off once its send buffer
 * passes the cap (LIMITS.maxBufferedBytes, 1 MiB), counted by cuebe_slow_consumers_cut_off_total;
 * each resumes reading later, reconnects and catches up with nothing missing, doubled or
 * reordered; the node's memory stays bounded (RSS growth under the cap × the slow devices); and
 * the other 90 %'s edit → receive latency p99 stays within 25 % (or 10 ms) of a control run with
 * the same load and no slow consumers. "The others' p99" is taken per edit — the p99 over the
 * reading devices of when that edit reached them — and compared as the median over the edits:
 * a slow consumer that delayed the fan-out would raise every edit's figure, while the pooled p99
 * of ≈ 100 edits is the worst one or two edits, which other work on a shared machine decides
 * (published too, not checked).
 */
import { LIMITS } from '@cuebe/protocol';
import { ChaosClient } from '../clients';
import { Checker, converge, tally } from '../checker';
import { connectCrowd, makeCrowd, missing, type LiteCrew } from '../crowd';
import { startNode, type ServerNode } from '../node';
import { expect, r0, type ScenarioResult } from '../result';
import { histogramQuantile, max, mib, Sampler, scrape } from '../sampler';
import { freshDatabase, type FreshDatabase } from '../services';
import { makeStage } from '../stage';
import { percentile, until } from '../wait';

export interface SlowOptions {
  clients: number;
  log?: (line: string) => void;
}

const SLOW_SHARE = 0.1;
const EDIT_EVERY_MS = 250;
const BATCH = 14;
const WARM_UP_EDITS = 20;

interface SlowRun {
  slow: number;
  p50: number;
  p99: number;
  /** Per edit, the p99 over the reading devices; the median of those over the edits. */
  editP99: number;
  edits: number;
  cutOff: number;
  /** From the first pause to the last slow device cut off. */
  cutOffMs: number | null;
  /** From the resume to every device at the final version. */
  caughtUpMs: number | null;
  slowCloses: string;
  /** The node's own commit → socket write (its histogram, bucket bounds), over the edits. */
  serverP50: number;
  serverP99: number;
  heldP50: number;
  heldMax: number;
  rssBase: number;
  rssPeak: number;
  heapPeak: number;
  rssEnd: number;
  sent: number;
  lost: number;
  duplicated: number;
  reordered: number;
  missing: number;
  problems: string[];
}

/** `edits`: the control run makes as many edits as the run with slow consumers made. */
async function slowRun(db: FreshDatabase, withSlow: boolean, edits: number, opts: SlowOptions): Promise<SlowRun> {
  const problems: string[] = [];
  const tag = withSlow ? 'slow' : 'control';
  // The heartbeat off (HEARTBEAT_MS=0): with it on, this run's RSS grows +200–300 MiB, cause not
  // yet found (docs/RELIABILITY.md, open items); the cut-off measured here does not depend on it.
  const node: ServerNode = await startNode({ name: `slow-${tag}`, databaseUrl: db.url, env: { HEARTBEAT_MS: '0' } });
  const checker = new Checker(db.url);
  const sampler = new Sampler(node.url, db.url, db.name);
  let crowd: LiteCrew[] = [];
  let sm: ChaosClient | null = null;
  let editTimer: NodeJS.Timeout | null = null;
  try {
    const stage = await makeStage(node.url, BATCH);
    const slowCount = withSlow ? Math.round(opts.clients * SLOW_SHARE) : 0;
    // Arrival times of each version at the reading devices (the slow ones are the last tenth).
    const arrivals = new Map<number, number[]>();
    const reading = opts.clients - Math.round(opts.clients * SLOW_SHARE);
    crowd = await makeCrowd(stage, opts.clients, (i) => ({
      backoff: { baseMs: 500, capMs: 5_000 },
      ...(i < reading
        ? {
            onVersion: (v: number, at: number) => {
              let a = arrivals.get(v);
              if (!a) arrivals.set(v, (a = []));
              a.push(at);
            },
          }
        : {}),
    }));
    const editor = new ChaosClient(() => node.url, stage.scriptId, { cookie: stage.cookie }).start();
    sm = editor;
    await until(() => editor.snap.status === 'live', 10_000, 'SM live');
    await connectCrowd(crowd, 100);
    opts.log?.(`slow-consumers ${tag}: ${crowd.length} crew live`);
    await sampler.start(250);
    const submitted = new Map<string, number>();
    let k = 0;
    const notes = (n: number) => `${n} `.padEnd(4_000, 'x');
    editTimer = setInterval(() => {
      k++;
      const id = editor.submit({
        kind: 'batch',
        ops: stage.cueIds.map((id) => ({ kind: 'update' as const, id, fields: { notes: notes(k) } })),
      });
      submitted.set(id, performance.now());
    }, EDIT_EVERY_MS);
    // The first seconds of large broadcasts are the node's warm-up (JIT, buffers growing): their
    // latency is high with or without slow consumers, so they are left out of the comparison.
    await until(() => k >= WARM_UP_EDITS, 20_000, 'warm-up edits', 20);
    await sampler.take();
    const rssBase = sampler.samples.at(-1)?.rssBytes ?? NaN;
    const slow = crowd.slice(crowd.length - slowCount);
    const pausedAt = performance.now();
    for (const c of slow) c.pause();
    const metricsAtPause = await scrape(node.url);
    // Until every slow device is cut off, and 8 edits more (the control: as many edits).
    let cutOffMs: number | null = null;
    const cutOff = () => (sampler.samples.at(-1)?.slowCutOff ?? 0) >= slowCount;
    await until(() => (withSlow ? cutOff() : k >= edits - 8), 60_000, `${slowCount} slow devices cut off`, 50).then(
      () => (cutOffMs = withSlow ? performance.now() - pausedAt : null),
      (e: Error) => problems.push(`${tag}: ${e.message} (${sampler.samples.at(-1)?.slowCutOff} were)`),
    );
    // Some edits after the cut-offs: the others' latency with the slow ones gone is part of the run.
    const more = k + 8;
    await until(() => k >= more, 10_000, 'more edits', 20);
    clearInterval(editTimer);
    editTimer = null;
    const metricsAtStop = await scrape(node.url);
    // Every edit delivered to the reading devices before the slow ones read again (their catch-up
    // is not part of the others' latency).
    const drained = await converge(checker, stage.scriptId, [editor], 30_000);
    if (!drained.ok) problems.push(`${tag}: SM not drained: ${drained.seen}`);
    const final = (await checker.state(stage.scriptId)).version;
    const readers = crowd.slice(0, crowd.length - slowCount);
    await until(() => readers.every((c) => c.version === final), 30_000, `reading devices at v${final}`, 20).catch(
      (e: Error) => problems.push(`${tag}: ${e.message}`),
    );
    const bytesBefore = slow.map((c) => c.bytes);
    const resumedAt = performance.now();
    for (const c of slow) c.resume();
    let caughtUpMs: number | null = null;
    await until(() => crowd.every((c) => c.live && c.version === final), 30_000, `every device at v${final}`, 20).then(
      () => (caughtUpMs = performance.now() - resumedAt),
      (e: Error) => problems.push(`${tag}: ${e.message}: ${crowd.filter((c) => c.version !== final).length} are not`),
    );
    await sampler.take();
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
    // Edit → receive at the reading devices: version of each op from its ack.
    const latencies: number[] = [];
    const perEdit: number[] = [];
    for (const [opId, at] of submitted) {
      if (at < pausedAt) continue;
      const v = editor.acked.get(opId);
      if (v === undefined) continue;
      const edit = (arrivals.get(v) ?? []).map((a) => a - at);
      latencies.push(...edit);
      if (edit.length > 0) perEdit.push(percentile(edit, 99));
    }
    // What each slow device still had to read when it resumed: the kernel's buffers on both
    // sides (the server's own buffer is dropped when it ends the connection).
    const held = slow.map((c, i) => c.bytes - bytesBefore[i]!);
    const codes = new Map<number, number>();
    for (const c of slow) for (const cl of c.rec.closes) codes.set(cl.code, (codes.get(cl.code) ?? 0) + 1);
    const s = sampler.samples;
    const wire = 'cuebe_commit_to_write_seconds';
    return {
      serverP50: histogramQuantile(metricsAtPause, metricsAtStop, wire, 0.5) * 1000,
      serverP99: histogramQuantile(metricsAtPause, metricsAtStop, wire, 0.99) * 1000,
      slow: slowCount,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      editP99: percentile(perEdit, 50),
      edits: submitted.size,
      cutOff: s.at(-1)?.slowCutOff ?? NaN,
      cutOffMs,
      caughtUpMs,
      slowCloses: [...codes].map(([code, n]) => `${code} ×${n}`).join(', ') || 'none',
      heldP50: percentile(held, 50),
      heldMax: held.length ? Math.max(...held) : NaN,
      rssBase,
      rssPeak: max(s.map((x) => x.rssBytes)),
      heapPeak: max(s.map((x) => x.heapUsedBytes)),
      rssEnd: s.at(-1)?.rssBytes ?? NaN,
      sent: t.sent,
      lost: t.lost,
      duplicated,
      reordered,
      missing: gaps,
      problems,
    };
  } finally {
    if (editTimer) clearInterval(editTimer);
    for (const c of crowd) c.close();
    sm?.close();
    await sampler.stop();
    await node.kill('SIGKILL');
    await checker.close();
  }
}

export async function slowConsumersScenario(opts: SlowOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const db = await freshDatabase();
  try {
    const run = await slowRun(db, true, 0, opts);
    opts.log?.(`slow-consumers: p99 ${r0(run.p99)} ms, per edit ${r0(run.editP99)} ms, ${run.cutOff} cut off`);
    const control = await slowRun(db, false, run.edits, opts);
    opts.log?.(`slow-consumers control: p99 ${r0(control.p99)} ms, per edit ${r0(control.editP99)} ms`);
    const problems = [...control.problems, ...run.problems];
    const cap = LIMITS.maxBufferedBytes;
    expect(problems, run.cutOff === run.slow, `${run.cutOff} cut off, ${run.slow} stopped reading`);
    expect(problems, control.cutOff === 0, `${control.cutOff} cut off in the control run`);
    expect(
      problems,
      run.rssPeak - run.rssBase <= run.slow * cap,
      `node RSS grew ${mib(run.rssPeak - run.rssBase)}, over ${run.slow} × the ${mib(cap)} cap`,
    );
    const allowed = Math.max(control.editP99 * 1.25, control.editP99 + 10);
    expect(
      problems,
      run.editP99 <= allowed,
      `the reading devices' p99 per edit (median over edits) ${r0(run.editP99)} ms against ${r0(control.editP99)} ms without slow consumers`,
    );
    for (const r of [control, run])
      expect(
        problems,
        r.lost + r.duplicated + r.reordered + r.missing === 0,
        `${r.slow ? 'slow' : 'control'}: lost, duplicated, reordered or missing versions`,
      );
    const both = (f: (r: SlowRun) => number | string, unit = '') => `${f(run)}${unit} (control ${f(control)}${unit})`;
    return {
      scenario: '6 slow consumers',
      injected: `${run.slow} of ${opts.clients} crew stop reading (socket paused), resume after they are cut off`,
      load: `1 SM at ${1000 / EDIT_EVERY_MS} batch edits/s (~60 KB per broadcast); ${opts.clients} crew (LiteCrew)`,
      sent: run.sent + control.sent,
      lost: run.lost + control.lost,
      duplicated: run.duplicated + control.duplicated,
      reordered: run.reordered + control.reordered,
      recoveryMs: run.caughtUpMs,
      figures: {
        'cut off (cuebe_slow_consumers_cut_off_total)': both((r) => r.cutOff),
        'from the pause to the last cut-off': `${r0(run.cutOffMs ?? NaN)} ms`,
        'closes seen by the slow devices': run.slowCloses,
        'bytes a slow device read after resuming p50 / max': `${(run.heldP50 / 1048576).toFixed(1)} / ${(run.heldMax / 1048576).toFixed(1)} MiB`,
        'reading devices: edit → receive p50 / p99': both((r) => `${r0(r.p50)} / ${r0(r.p99)}`, ' ms'),
        'reading devices: p99 per edit, median over edits (checked)': both((r) => r0(r.editP99), ' ms'),
        edits: both((r) => r.edits),
        "node's commit → socket write p50 / p99 (histogram bucket)": both(
          (r) => `≤ ${r0(r.serverP50)} / ≤ ${r0(r.serverP99)}`,
          ' ms',
        ),
        'node RSS at the pause / peak / end': both((r) => `${mib(r.rssBase)} / ${mib(r.rssPeak)} / ${mib(r.rssEnd)}`),
        'node heap used peak': both((r) => mib(r.heapPeak)),
      },
      problems,
      durationMs: performance.now() - started,
    };
  } finally {
    await db.drop();
  }
}
