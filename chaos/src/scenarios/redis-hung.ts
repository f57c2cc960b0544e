/**
 * Scenario 10 — a Redis that hangs, then one that dies, three nodes. Three node processes share
 * PostgreSQL and a redis-server of this scenario's own. The SM (the real SyncClient) edits and
 * calls GO on node A while crew watch on nodes B and C. Redis is frozen with SIGSTOP
 * (connections stay open, nothing answers: a paused VM, a blackholed network) for `hangMs`, and
 * later killed for `outageMs`. During each fault one crew link is revoked at once and another
 * rotated mid-fault. Targets (docs/RELIABILITY.md): every edit and every GO reaches the crew on
 * every node within 1.5 s, every revoked or rotated link's sockets close within 1.5 s, the SM's
 * presence lists every watching crew member throughout, every node's /readyz answers within
 * 100 ms (p99; every answer within 1 s); nothing lost, doubled or reordered. */
import { ChaosClient } from '../clients';
import { Checker, settled, tally } from '../checker';
import { startNode, type ServerNode } from '../node';
import { expect, r0, type ScenarioResult } from '../result';
import { freshDatabase, startOwnRedis, type OwnRedis } from '../services';
import { call, makeCrew, makeStage, type Stage } from '../stage';
import { percentile, until } from '../wait';

const DELIVERY_MS = 1_500;
const READY_MS = 100;

interface Sample {
  node: string;
  ms: number;
  /** The same node's /healthz (which reads nothing), asked right after: the machine's own delay. */
  liveMs: number;
  status: number;
  redis: unknown;
  startedAt: number;
}

/** Every node's /readyz, then its /healthz, asked every 50 ms, each answer timed. */
function sampleReadiness(nodes: ServerNode[]) {
  const samples: Sample[] = [];
  let stopped = false;
  const timed = async (url: string) => {
    const t0 = performance.now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      const body = (await res.json()) as { redis?: unknown };
      return { ms: performance.now() - t0, status: res.status, redis: body.redis };
    } catch {
      return { ms: performance.now() - t0, status: 0, redis: null };
    }
  };
  const loops = nodes.map(async (n) => {
    while (!stopped) {
      const startedAt = performance.now();
      const r = await timed(`${n.url}/readyz`);
      const live = await timed(`${n.url}/healthz`);
      samples.push({ node: n.name, ...r, liveMs: live.ms, startedAt });
      await new Promise((res) => setTimeout(res, 50));
    }
  });
  return {
    samples,
    /** Every node answered `redis: value` to a request made after `since`. */
    all: (value: boolean, since: number) =>
      nodes.every((n) => {
        const s = samples.findLast((x) => x.node === n.name);
        return s !== undefined && s.startedAt > since && s.redis === value;
      }),
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

interface FaultFigures {
  detectedMs: number;
  backMs: number;
  closes: { reason: string; ms: number; ok: boolean }[];
}

export async function redisHungScenario(opts: { hangMs: number; outageMs: number }): Promise<ScenarioResult> {
  const started = performance.now();
  const problems: string[] = [];
  const db = await freshDatabase();
  const redis = await startOwnRedis();
  const checker = new Checker(db.url);
  const nodes: ServerNode[] = [];
  const clients: ChaosClient[] = [];
  let ready: ReturnType<typeof sampleReadiness> | null = null;
  const timers: NodeJS.Timeout[] = [];
  try {
    for (const name of ['hung-a', 'hung-b', 'hung-c'])
      nodes.push(await startNode({ name, databaseUrl: db.url, redisUrl: redis.url }));
    const [a, b, c] = nodes as [ServerNode, ServerNode, ServerNode];
    const stage = await makeStage(a.url, 12);
    const sm = new ChaosClient(() => a.url, stage.scriptId, { cookie: stage.cookie }).start();
    const links = await Promise.all([0, 1, 2, 3].map(() => makeCrew(stage)));
    // Two crew on each of B and C; they reconnect to the same node if they must.
    const watchers = links.map((l, i) =>
      new ChaosClient(() => (i % 2 ? c.url : b.url), stage.scriptId, { token: l.token }).start(),
    );
    clients.push(sm, ...watchers);
    await until(() => clients.every((x) => x.snap.status === 'live'), 20_000, 'clients live');
    ready = sampleReadiness(nodes);

    await sm.client.command({ kind: 'play' });
    let k = 0;
    timers.push(
      setInterval(() => {
        k++;
        sm.submit({ kind: 'update', id: stage.cueIds[k % stage.cueIds.length]!, fields: { notes: `edit ${k}` } });
      }, 100),
    );
    // GO at a stage manager's pace, one answered before the next. The minimum time between GOs
    // is off: it counts from the previous GO's commit, which a loaded machine can delay into
    // the next tick, and the guard is not what this scenario is about.
    await sm.client.command({ kind: 'guards', guards: { minGoIntervalMs: 0, requireStandby: false } });
    const gos: { version: number; at: number }[] = [];
    const goErrors: string[] = [];
    let goInFlight = false;
    let g = 0;
    timers.push(
      setInterval(() => {
        if (goInFlight) return;
        goInFlight = true;
        sm.client
          .command({ kind: 'go', cueId: stage.cueIds[g++ % stage.cueIds.length]! })
          .then(
            (r) => gos.push({ version: r.version, at: performance.now() }),
            (e: unknown) => goErrors.push(e instanceof Error ? e.message : JSON.stringify(e)),
          )
          .finally(() => (goInFlight = false));
      }, 700),
    );
    await until(() => sm.acked.size >= 20 && gos.length >= 2, 20_000, 'edits and GOs before the faults');

    // The crew the SM's presence lists, sampled through both faults: Redis presence expires
    // 10 s after the last snapshot, so a 20 s fault shows whether it crossed otherwise.
    const watcherIds = new Set(links.map((l) => l.id));
    let fewestListed = Infinity;
    timers.push(
      setInterval(() => {
        const listed = (sm.snap.presence?.crew ?? []).filter((x) => watcherIds.has(x.crewId)).length;
        fewestListed = Math.min(fewestListed, listed);
      }, 100),
    );
    const hang = await fault(stage, [b, c], redis, ready, 'hang', opts.hangMs);
    await until(() => sm.acked.size >= k - 5, 20_000, 'edits between the faults');
    const outage = await fault(stage, [b, c], redis, ready, 'outage', opts.outageMs);
    const opsAtEnd = k;
    await until(() => k >= opsAtEnd + 30, 20_000, 'edits after the faults');
    for (const t of timers) clearInterval(t);
    await until(() => !goInFlight, 10_000, 'the last GO answered');
    await ready.stop();

    let state = await checker.state(stage.scriptId);
    await until(
      async () => {
        state = await checker.state(stage.scriptId);
        return settled(state, clients);
      },
      20_000,
      'clients to settle',
    ).catch((e: Error) => problems.push(e.message));
    const t = tally(state, [sm], clients);
    problems.push(...t.problems);

    // Every watcher was sent every version after its first snapshot, as a change.
    let missing = 0;
    for (const w of watchers) {
      const from = (w.rec.snapshots[0] ?? 0) + 1;
      const got = new Set(w.rec.versions);
      for (let v = from; v <= state.version; v++) if (!got.has(v)) missing++;
    }
    // How late each acknowledged edit and GO reached each watcher.
    const editLate: number[] = [];
    const goLate: number[] = [];
    for (const w of watchers) {
      const arrived = new Map<number, number>();
      w.rec.versions.forEach((v, i) => arrived.has(v) || arrived.set(v, w.rec.versionAt[i]!));
      for (const [v, ackAt] of sm.ackedAt) {
        const at = arrived.get(v);
        if (at !== undefined) editLate.push(Math.max(0, at - ackAt));
      }
      for (const go of gos) {
        const at = w.rec.playback.find((p) => p.version >= go.version)?.at;
        goLate.push(at === undefined ? Infinity : Math.max(0, at - go.at));
      }
      const pv = w.rec.playback.map((p) => p.version);
      for (let i = 1; i < pv.length; i++)
        if (pv[i]! <= pv[i - 1]!) problems.push(`a watcher was sent playback v${pv[i]} after v${pv[i - 1]}`);
    }
    const readyMs = ready.samples.map((s) => s.ms);
    const liveMs = ready.samples.map((s) => s.liveMs);
    const worstEdit = Math.max(...editLate);
    const worstGo = Math.max(...goLate);
    const worstReady = Math.max(...readyMs);
    const worstLive = Math.max(...liveMs);
    const closes = [...hang.closes, ...outage.closes];

    expect(
      problems,
      t.lost + t.duplicated + t.reordered + t.gaps + t.refused + missing === 0,
      `lost ${t.lost}, duplicated ${t.duplicated}, reordered ${t.reordered}, gaps ${t.gaps}, refused ${t.refused}, versions never sent to a watcher ${missing}`,
    );
    expect(problems, worstEdit <= DELIVERY_MS, `an edit reached crew ${r0(worstEdit)} ms after its ack`);
    expect(problems, worstGo <= DELIVERY_MS, `a GO reached crew ${r0(worstGo)} ms after its ack`);
    expect(problems, fewestListed === links.length, `the SM's presence listed ${fewestListed} of ${links.length} crew`);
    expect(
      problems,
      goErrors.length === 0,
      `${goErrors.length} GOs refused or unanswered: ${goErrors.slice(0, 3).join('; ')}`,
    );
    for (const x of closes)
      expect(
        problems,
        x.ok && x.ms <= DELIVERY_MS,
        `a ${x.reason} link closed ${r0(x.ms)} ms after the call (${x.ok ? 'right code' : 'wrong code'})`,
      );
    expect(
      problems,
      ready.samples.every((s) => s.status === 200),
      'a /readyz answer was not 200',
    );
    // The Redis part of readiness is state kept by the heartbeat, so a hung Redis adds nothing
    // (it cost 2 s per answer when the check pinged Redis). What is left is the database round
    // trip the check still makes inside the request and the machine's own scheduling: the p99 is
    // held to 100 ms — or, when /healthz (which reads nothing) is itself slower than that at the
    // same moments, to within 50 ms of it — and every answer to a load balancer's 1 s timeout.
    const p99Ready = percentile(readyMs, 99);
    const p99Live = percentile(liveMs, 99);
    expect(
      problems,
      p99Ready <= Math.max(READY_MS, p99Live + READY_MS / 2),
      `/readyz p99 ${r0(p99Ready)} ms (/healthz p99 ${r0(p99Live)} ms)`,
    );
    expect(problems, worstReady < 1_000, `a /readyz answer took ${r0(worstReady)} ms`);
    const ms = (v: number) => `${r0(v)} ms`;
    return {
      scenario: '10 Redis hung',
      injected: `redis-server frozen (SIGSTOP) ${opts.hangMs / 1000} s, later SIGKILLed for ${opts.outageMs / 1000} s; a link revoked and one rotated in each`,
      load: '3 nodes; 1 SM at 10 ops/s and a GO every 0.7 s on A; 2 crew each on B and C',
      sent: t.sent,
      lost: t.lost + missing,
      duplicated: t.duplicated,
      reordered: t.reordered,
      recoveryMs: Math.max(hang.backMs, outage.backMs),
      figures: {
        'bus found down (hang / outage)': `${ms(hang.detectedMs)} / ${ms(outage.detectedMs)}`,
        'edit → crew on B, C p50 / p99 / max': `${ms(percentile(editLate, 50))} / ${ms(percentile(editLate, 99))} / ${ms(worstEdit)}`,
        'GO → crew p50 / max': `${ms(percentile(goLate, 50))} / ${ms(worstGo)}`,
        'GOs called': gos.length,
        'crew in the SM presence through the faults (fewest)': `${fewestListed} of ${links.length}`,
        'revoked / rotated sockets closed after (hang; outage)': `${hang.closes.map((x) => ms(x.ms)).join(', ')}; ${outage.closes.map((x) => ms(x.ms)).join(', ')}`,
        '/readyz answers, p50 / p99 / max': `${readyMs.length}, ${ms(percentile(readyMs, 50))} / ${ms(percentile(readyMs, 99))} / ${ms(worstReady)}`,
        '/healthz beside them, p50 / p99 / max': `${ms(percentile(liveMs, 50))} / ${ms(percentile(liveMs, 99))} / ${ms(worstLive)}`,
        'bus proven healthy after the fault (hang / outage)': `${ms(hang.backMs)} / ${ms(outage.backMs)}`,
        'versions at the end': state.version,
      },
      problems,
      durationMs: performance.now() - started,
    };
  } finally {
    for (const t of timers) clearInterval(t);
    await ready?.stop();
    for (const x of clients) x.close();
    for (const n of nodes) await n.kill('SIGKILL');
    await checker.close();
    await redis.close();
    await db.drop();
  }
}

/**
 * One fault: Redis frozen or killed for `durationMs`. A link with a socket on each of B and C is
 * revoked as the fault begins (before any node can have noticed) and another rotated halfway.
 */
async function fault(
  stage: Stage,
  crewNodes: ServerNode[],
  redis: OwnRedis,
  ready: ReturnType<typeof sampleReadiness>,
  kind: 'hang' | 'outage',
  durationMs: number,
): Promise<FaultFigures> {
  const victims = async () => {
    const link = await makeCrew(stage);
    const socks = crewNodes.map((n) => new ChaosClient(() => n.url, stage.scriptId, { token: link.token }).start());
    await until(() => socks.every((s) => s.snap.status === 'live'), 10_000, 'victim sockets live');
    return { link, socks };
  };
  const closed = (socks: ChaosClient[], reason: string, since: number) =>
    Promise.all(
      socks.map(async (s) => {
        await until(() => s.rec.closes.length > 0, durationMs + 10_000, `the ${reason} link to close`).catch(() => {});
        const x = s.rec.closes[0];
        s.close();
        return { reason, ms: x ? x.at - since : Infinity, ok: x?.code === 1008 && x.reason === reason };
      }),
    );
  const toRevoke = await victims();
  const toRotate = await victims();

  if (kind === 'hang') redis.freeze();
  else await redis.stop();
  const faultAt = performance.now();
  const revokeAt = performance.now();
  const revoked = await call(stage.base, 'POST', `/api/crew/${toRevoke.link.id}/revoke`, stage.cookie);
  if (revoked.status !== 200) throw new Error(`revoke: ${revoked.status}`);
  const revokeCloses = closed(toRevoke.socks, 'revoked', revokeAt);
  await until(() => ready.all(false, faultAt), 5_000, 'every node to find the bus down');
  const detectedMs = performance.now() - faultAt;
  await until(() => performance.now() - faultAt >= durationMs / 2, durationMs, 'mid-fault', 20);
  const rotateAt = performance.now();
  const rotated = await call(stage.base, 'POST', `/api/crew/${toRotate.link.id}/rotate`, stage.cookie);
  if (rotated.status !== 200) throw new Error(`rotate: ${rotated.status}`);
  const rotateCloses = closed(toRotate.socks, 'rotated', rotateAt);
  await until(() => performance.now() - faultAt >= durationMs, durationMs, 'the fault', 20);

  if (kind === 'hang') redis.thaw();
  else await redis.start();
  const endAt = performance.now();
  await until(() => ready.all(true, endAt), 10_000, 'every node to prove the bus healthy again');
  const backMs = performance.now() - endAt;
  return { detectedMs, backMs, closes: [...(await revokeCloses), ...(await rotateCloses)] };
}
