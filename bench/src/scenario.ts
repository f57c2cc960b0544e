/**
 * One measured run against one fresh server: seed, connect the SMs, measure memory, connect the
 * crew, measure memory again (idle connections), then — unless idle-only — send ops at the fixed
 * rate through a warm-up and a measured window, drain, and collect every receiver's counts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '@cuebe/protocol';
import { nowUs } from './clock';
import { Histogram, type LatencySummary } from './histogram';
import { cpuTimeUs, machineBusyUs, rssBytes } from './proc';
import { SmDriver } from './sm-driver';
import type { Target } from './targets';
import type { Phase } from './wire';
import { WorkerPool } from './workers';

export interface Scenario {
  name: string;
  /** Crew sockets in all. */
  n: number;
  /** Scripts (each with one SM socket and n/m crew sockets). */
  m: number;
  /** Ops per second per script. */
  rate: number;
  warmupS: number;
  durationS: number;
  /** Only open the sockets and measure memory. */
  idle: boolean;
  /** Several nodes: kill Redis this far into the measured window and start it downMs later. */
  redisRestart?: { atS: number; downMs: number };
}

export interface RunSettings {
  workers: number;
  devicesPerCrew: number;
  noteBytes: number;
  /** Write a CPU profile of the server over the measured window to this directory. */
  cpuProfDir?: string;
  log: (line: string) => void;
}

export interface Result {
  scenario: Scenario;
  target: string;
  sockets: number;
  memory: {
    /** Server RSS growth per crew socket, bytes (after GC). */
    rssPerSocket: number;
    /** V8 heap used + external (incl. buffers) growth per crew socket, bytes (after GC). */
    heapPerSocket: number;
    rssAfterMb: number;
  };
  load: null | {
    opsSent: number;
    opsPerSecond: number;
    deliveries: number;
    expectedDeliveries: number;
    deliveriesPerSecond: number;
    latency: LatencySummary;
    ack: LatencySummary;
    /** Server CPU (user+system, all threads) in the measured window over its deliveries. */
    serverCpuUsPerDelivery: number;
    /** Fraction of one core each side used in the measured window. */
    serverCores: number;
    clientCores: number;
    /** Cores used by everything else on the machine in the window: anything well above 0 skews the run. */
    otherCores: number;
    avgFrameBytes: number;
  };
  /** Whole run, warm-up and drain included. */
  check: {
    received: number;
    expected: number;
    lost: number;
    duplicates: number;
    outOfOrder: number;
    unexpectedCloses: number;
    closeReasons: Record<string, number>;
    smErrors: string[];
    workerErrors: string[];
    connectFailures: number;
  };
}

const CONNECT_TIMEOUT_MS = 180_000;
const DRAIN_TIMEOUT_MS = 15_000;

export async function runScenario(target: Target, sc: Scenario, st: RunSettings): Promise<Result> {
  const log = st.log;
  const pool = WorkerPool.start(st.workers);
  const sms: SmDriver[] = [];
  try {
    const server = target.server;
    const wsBase = server.url.replace(/^http/, 'ws');
    const perScript = Math.ceil(sc.n / sc.m);
    let t = Date.now();
    const seeded = await target.seed(sc.m, perScript, st.devicesPerCrew);
    log(`  seeded ${sc.m} script(s), ${perScript * sc.m} crew sockets' credentials in ${Date.now() - t} ms`);

    for (const s of seeded.scripts) {
      const sm = new SmDriver({
        wsBase: s.smWsBase ?? wsBase,
        scriptId: s.id,
        elementId: s.elementId,
        headers: s.smHeaders,
        protocol: PROTOCOL_VERSION,
        noteBytes: st.noteBytes,
      });
      await sm.connect();
      sms.push(sm);
    }

    const before = await server.gcAndMeasure();
    const rssBefore = rssBytes(server.pid);
    t = Date.now();
    const crewSpecs = seeded.scripts.flatMap((s) => s.crew);
    const conn = await pool.connect(wsBase, PROTOCOL_VERSION, crewSpecs, CONNECT_TIMEOUT_MS);
    log(`  connected ${conn.ok}/${crewSpecs.length} crew sockets in ${Date.now() - t} ms`);
    if (conn.failed > 0) log(`  connect failures: ${conn.failed} (${conn.errors.slice(0, 3).join('; ')})`);
    const after = await server.gcAndMeasure();
    const rssAfter = rssBytes(server.pid);
    const heap = (m: typeof after) => m.heapUsed + m.external;
    const memory = {
      rssPerSocket: conn.ok ? (rssAfter - rssBefore) / conn.ok : 0,
      heapPerSocket: conn.ok ? (heap(after) - heap(before)) / conn.ok : 0,
      rssAfterMb: rssAfter / 2 ** 20,
    };

    const profile = st.cpuProfDir
      ? {
          start: () => server.profileStart(),
          stop: async () => {
            const file = join(st.cpuProfDir!, `${target.name.split(' ')[0]}-${sc.n}x${sc.m}-${Date.now()}.cpuprofile`);
            mkdirSync(st.cpuProfDir!, { recursive: true });
            await server.profileStop(file);
            log(`  CPU profile of the measured window: ${file}`);
          },
        }
      : null;
    const restart =
      sc.redisRestart && target.restartRedis ? { ...sc.redisRestart, run: target.restartRedis.bind(target) } : null;
    const window = sc.idle ? null : await drive(sc, sms, target.pids ?? [server.pid], pool, profile, log, restart);

    // Every op sent must be acknowledged and reach every crew socket exactly once.
    const drainStart = Date.now();
    await Promise.all(sms.map((sm) => sm.drained(DRAIN_TIMEOUT_MS)));
    const finalVersions = Object.fromEntries(seeded.scripts.map((s, i) => [s.id, sms[i]!.lastAckVersion]));
    let rep = await pool.report(finalVersions);
    while (rep.lost > 0 && Date.now() - drainStart < DRAIN_TIMEOUT_MS) {
      await new Promise((r) => setTimeout(r, 100));
      rep = await pool.report(finalVersions);
    }

    const smErrors = sms.flatMap((sm) => [
      ...sm.errors,
      ...(sm.pendingAcks ? [`${sm.pendingAcks} op(s) never acknowledged`] : []),
      ...(sm.closeReason ? [`SM socket closed: ${sm.closeReason}`] : []),
    ]);
    const load: Result['load'] = window && {
      opsSent: window.opsSent,
      opsPerSecond: Math.round(window.opsSent / sc.durationS),
      deliveries: rep.measured,
      expectedDeliveries: window.opsSent * perScript,
      deliveriesPerSecond: Math.round(rep.measured / sc.durationS),
      latency: rep.latency.summary(),
      ack: window.ack,
      serverCpuUsPerDelivery: rep.measured ? window.serverCpuUs / rep.measured : 0,
      serverCores: window.serverCores,
      clientCores: window.clientCores,
      otherCores: window.otherCores,
      avgFrameBytes: Math.round(rep.bytesReceived / (rep.framesReceived || 1)),
    };
    return {
      scenario: sc,
      target: target.name,
      sockets: conn.ok,
      memory,
      load,
      check: {
        received: rep.received,
        expected: rep.expected,
        lost: rep.lost,
        duplicates: rep.duplicates,
        outOfOrder: rep.outOfOrder,
        unexpectedCloses: rep.unexpectedCloses,
        closeReasons: rep.closeReasons,
        smErrors,
        workerErrors: rep.errors,
        connectFailures: conn.failed,
      },
    };
  } finally {
    for (const sm of sms) sm.close();
    await pool.close();
  }
}

/**
 * The send schedule: script i's k-th op is due at start + i·period/m + k·period (staggered, no
 * drift); its phase is the window its due time falls in. Server and client CPU are read from
 * /proc at the edges of the measured window.
 */
async function drive(
  sc: Scenario,
  sms: SmDriver[],
  serverPids: number[],
  pool: WorkerPool,
  profile: { start: () => Promise<void>; stop: () => Promise<void> } | null,
  log: (l: string) => void,
  restart: { atS: number; downMs: number; run: (downMs: number) => Promise<void> } | null = null,
) {
  const periodUs = 1e6 / sc.rate;
  const start = nowUs() + 50_000;
  const measureStart = start + sc.warmupS * 1e6;
  const measureEnd = measureStart + sc.durationS * 1e6;
  const clientPids = [process.pid, ...pool.pids];
  const clientCpu = () => clientPids.reduce((a, p) => a + cpuTimeUs(p), 0);
  let cpu0 = { server: 0, client: 0, machine: 0, at: 0 };
  let cpu1 = { server: 0, client: 0, machine: 0, at: 0 };

  const edge = (atUs: number, f: () => void) =>
    new Promise<void>((resolve) =>
      setTimeout(
        () => {
          f();
          resolve();
        },
        Math.max(0, (atUs - nowUs()) / 1000),
      ),
    );
  const sampleCpu = () => ({
    server: serverPids.reduce((a, p) => a + cpuTimeUs(p), 0),
    client: clientCpu(),
    machine: machineBusyUs(),
    at: nowUs(),
  });

  const sender = (sm: SmDriver, i: number) =>
    new Promise<void>((resolve) => {
      let k = 0;
      const offset = (i * periodUs) / sms.length;
      const tick = () => {
        const due = start + offset + k * periodUs;
        if (due >= measureEnd) return resolve();
        const phase: Phase = due < measureStart ? 'w' : 'm';
        sm.sendOp(phase, k);
        k++;
        const nextDue = start + offset + k * periodUs;
        setTimeout(tick, Math.max(0, (nextDue - nowUs()) / 1000));
      };
      setTimeout(tick, Math.max(0, (start + offset - nowUs()) / 1000));
    });

  log(`  sending ${sc.rate} ops/s × ${sms.length} script(s): ${sc.warmupS} s warm-up, ${sc.durationS} s measured`);
  await Promise.all([
    ...sms.map(sender),
    edge(measureStart, () => {
      cpu0 = sampleCpu();
      void profile?.start();
    }),
    edge(measureEnd, () => (cpu1 = sampleCpu())),
    ...(restart
      ? [
          edge(measureStart + restart.atS * 1e6, () => log(`  killing Redis for ${restart.downMs} ms`)).then(() =>
            restart.run(restart.downMs).then(() => log('  Redis is back')),
          ),
        ]
      : []),
  ]);
  await profile?.stop();
  const windowUs = cpu1.at - cpu0.at;
  const ack = new Histogram();
  for (const sm of sms) ack.merge(sm.ackLatency.toData());
  const opsSent = sms.reduce((a, sm) => a + sm.measuredSent, 0);
  return {
    opsSent,
    ack: ack.summary(),
    serverCpuUs: cpu1.server - cpu0.server,
    serverCores: (cpu1.server - cpu0.server) / windowUs,
    clientCores: (cpu1.client - cpu0.client) / windowUs,
    otherCores:
      Math.max(0, cpu1.machine - cpu0.machine - (cpu1.server - cpu0.server) - (cpu1.client - cpu0.client)) / windowUs,
  };
}
