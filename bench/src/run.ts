/**
 * `npm run bench`: edit→delivery latency, exactly-once delivery, server CPU per delivery and memory
 * per idle connection, for Cuebe and for a plain `ws` broadcast loop measured the same way.
 * Everything runs on loopback, each server in its own child process; see docs/BENCHMARKS.md.
 *
 *   npm run bench                          the standard set (100, 1000, 5000/50, idle) on both servers
 *   npm run bench -- --scenario 1000 --target cuebe --duration 20
 *   npm run bench -- --scenario custom --n 300 --m 3 --rate 50
 *   npm run bench -- --pg                  Cuebe on PostgreSQL (a fresh database, dropped after)
 *   npm run bench -- --cpu-prof prof/      V8 CPU profiles of the server children
 *
 * Exits 1 when any delivery is lost, duplicated or out of order, or a socket fails.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import './children';
import { waitForQuiet } from './proc';
import { describe, markdown, problems, warnings } from './report';
import { runScenario, type Result, type Scenario } from './scenario';
import { startCuebeCluster } from './cluster-target';
import { startTarget, type Target, type TargetName } from './targets';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'standard' },
    target: { type: 'string', default: 'both' },
    n: { type: 'string' },
    m: { type: 'string' },
    rate: { type: 'string', default: '20' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    'idle-n': { type: 'string', default: '2000' },
    workers: { type: 'string' },
    'devices-per-crew': { type: 'string', default: '2' },
    'note-bytes': { type: 'string', default: '80' },
    pg: { type: 'boolean', default: false },
    cluster: { type: 'string' },
    'redis-down': { type: 'string', default: '3000' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'cpu-prof': { type: 'string' },
    json: { type: 'string' },
    'max-seconds': { type: 'string', default: '900' },
    'quiet-wait': { type: 'string', default: '60' },
    'retry-busy': { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`npm run bench -- [options]
  --scenario standard|100|1000|5000|5000-slow|idle|custom  (comma-separated list allowed; default standard)
  --target both|cuebe|baseline-ws                 (default both)
  --n N --m M                                     crew sockets and scripts (custom scenario)
  --rate R                                        ops per second per script (default 20)
  --duration S --warmup S                         measured window and warm-up (default 10, 3)
  --idle-n N                                      sockets of the idle-memory scenario (default 2000)
  --workers W                                     load-generator processes (default: 1 up to 200 sockets, else 2)
  --devices-per-crew D                            sockets sharing one crew link, e.g. phone + laptop (1–5, default 2)
  --note-bytes B                                  size of the notes field each op writes (default 80)
  --pg [--pg-url URL]                             Cuebe on PostgreSQL: a fresh database made through URL
  --cluster N                                     Cuebe as N nodes on PostgreSQL (--pg-url) + a private redis-server;
                                                  scenarios cluster (3,000 crew, 30 scripts) and cluster-redis
                                                  (the same with Redis killed mid-window for --redis-down ms, default 3000)
  --cpu-prof DIR                                  write a CPU profile of the server over each measured window to DIR
  --json FILE                                     also write the results as JSON
  --quiet-wait S                                  before each run, wait up to S s for other processes to go quiet (default 60)
  --retry-busy K                                  run a scenario again (up to K times) when other processes were busy in its window (default 1)
  --max-seconds S                                 stop everything after S seconds (default 900)`);
  process.exit(0);
}

const int = (name: string, min: number, max: number) => z.coerce.number().int().min(min).max(max).describe(name);
const Opts = z.object({
  rate: int('rate', 1, 1000),
  duration: int('duration', 1, 600),
  warmup: int('warmup', 0, 120),
  idleN: int('idle-n', 1, 20_000),
  workers: int('workers', 1, 16).optional(),
  devicesPerCrew: int('devices-per-crew', 1, 5),
  noteBytes: int('note-bytes', 0, 3900),
  maxSeconds: int('max-seconds', 10, 7200),
  quietWait: int('quiet-wait', 0, 3600),
  retryBusy: int('retry-busy', 0, 20),
  n: int('n', 1, 20_000).optional(),
  m: int('m', 1, 1000).optional(),
  target: z.enum(['both', 'cuebe', 'baseline-ws']),
  cluster: int('cluster', 2, 8).optional(),
  redisDown: int('redis-down', 100, 60_000),
});
const parsed = Opts.safeParse({
  rate: values.rate,
  duration: values.duration,
  warmup: values.warmup,
  idleN: values['idle-n'],
  workers: values.workers,
  devicesPerCrew: values['devices-per-crew'],
  noteBytes: values['note-bytes'],
  maxSeconds: values['max-seconds'],
  quietWait: values['quiet-wait'],
  retryBusy: values['retry-busy'],
  n: values.n,
  m: values.m,
  target: values.target,
  cluster: values.cluster,
  redisDown: values['redis-down'],
});
if (!parsed.success) {
  console.error(`bench: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(2);
}
const o = parsed.data;

// Idle memory first: RSS growth is only meaningful on a server whose heap earlier load has not
// already grown (freed pages are reused without RSS moving).

/** Other processes' load under which a run starts without waiting (cores). */
const QUIET_CORES = 0.15;

function scenarios(list: string): Scenario[] {
  const base = { rate: o.rate, warmupS: o.warmup, durationS: o.duration, idle: false };
  const byName: Record<string, () => Scenario> = {
    '100': () => ({ ...base, name: '100 crew, 1 script', n: 100, m: 1 }),
    '1000': () => ({ ...base, name: '1,000 crew, 1 script', n: 1000, m: 1 }),
    '5000': () => ({ ...base, name: '5,000 crew, 50 scripts', n: 5000, m: 50 }),
    // The same sockets at a pace one stage manager per script really edits (a change every half second).
    '5000-slow': () => ({ ...base, rate: 2, name: '5,000 crew, 50 scripts, 2 ops/s each', n: 5000, m: 50 }),
    // Several nodes (--cluster): every script's crew spread over all nodes.
    cluster: () => ({ ...base, name: `3,000 crew, 30 scripts, ${o.rate} ops/s each`, n: 3000, m: 30 }),
    'cluster-redis': () => ({
      ...base,
      name: `3,000 crew, 30 scripts, ${o.rate} ops/s each, Redis killed for ${o.redisDown} ms`,
      n: 3000,
      m: 30,
      redisRestart: { atS: Math.floor(o.duration / 3), downMs: o.redisDown },
    }),
    idle: () => ({
      ...base,
      name: `idle memory, ${o.idleN} crew`,
      n: o.idleN,
      m: Math.max(1, Math.ceil(o.idleN / 100)),
      idle: true,
    }),
    custom: () => {
      if (!o.n) throw new Error('--scenario custom needs --n (and optionally --m)');
      return { ...base, name: `${o.n} crew, ${o.m ?? 1} script(s)`, n: o.n, m: o.m ?? 1 };
    },
  };
  const standard = o.cluster ? ['cluster', 'cluster-redis'] : ['idle', '100', '1000', '5000', '5000-slow'];
  const names = list === 'standard' ? standard : list.split(',');
  return names.map((n) => {
    const f = byName[n.trim()];
    if (!f)
      throw new Error(
        `unknown scenario "${n}" (standard, 100, 1000, 5000, 5000-slow, idle, custom, cluster, cluster-redis)`,
      );
    return f();
  });
}

async function main(): Promise<number> {
  const list = scenarios(values.scenario ?? 'standard');
  const targets: TargetName[] = o.cluster ? [] : o.target === 'both' ? ['cuebe', 'baseline-ws'] : [o.target];
  const deadline = setTimeout(() => {
    console.error(`bench: over the ${o.maxSeconds} s limit; stopping everything.`);
    process.exit(3);
  }, o.maxSeconds * 1000);
  deadline.unref();

  const results: Result[] = [];
  const failures: string[] = [];
  // Every server starts first and the scenarios alternate between them, so each comparison is
  // made minutes apart at most, under the same conditions on a machine others may share.
  const started: Target[] = [];
  if (o.cluster) {
    try {
      started.push(await startCuebeCluster(o.cluster, values['pg-url']!));
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      console.error(`cluster: could not start: ${msg}`);
      failures.push(`cluster: could not start: ${msg}`);
    }
  }
  for (const t of targets) {
    try {
      started.push(await startTarget(t, { pgAdminUrl: values.pg ? values['pg-url'] : undefined }));
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      console.error(`${t}: could not start: ${msg}`);
      failures.push(`${t}: could not start: ${msg}`);
    }
  }
  for (const sc of list) {
    for (const target of started) {
      // Of several attempts, the one least disturbed by other processes is kept.
      let best: Result | null = null;
      for (let attempt = 0; attempt <= o.retryBusy; attempt++) {
        console.log(`\n▶ ${target.name} · ${sc.name}${attempt ? ` (again: attempt ${attempt + 1})` : ''}`);
        if (o.quietWait > 0) {
          const pids = () => [process.pid, ...started.flatMap((t) => t.pids ?? [t.server.pid])];
          const other = await waitForQuiet(QUIET_CORES, o.quietWait * 1000, pids);
          if (other >= QUIET_CORES) console.log(`  the machine is busy: other processes use ${other.toFixed(2)} cores`);
        }
        let r: Result;
        try {
          r = await runScenario(target, sc, {
            workers: o.workers ?? (sc.n <= 200 ? 1 : 2),
            devicesPerCrew: o.devicesPerCrew,
            noteBytes: o.noteBytes,
            cpuProfDir: values['cpu-prof'],
            log: (line) => console.log(line),
          });
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          console.error(`  FAILED: ${msg}`);
          failures.push(`${target.name} · ${sc.name}: ${msg}`);
          break;
        }
        console.log(describe(r));
        const otherCores = (x: Result) => x.load?.otherCores ?? 0;
        if (!best || problems(r).length > 0 || otherCores(r) < otherCores(best)) best = r;
        if (problems(r).length > 0 || warnings(r).length === 0) break;
      }
      if (best) {
        results.push(best);
        for (const p of problems(best)) failures.push(`${best.target} · ${sc.name}: ${p}`);
      }
    }
  }
  for (const t of started) await t.stop();

  console.log(`\n${markdown(results)}\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
  if (failures.length) {
    console.error(`bench: ${failures.length} problem(s):\n  ${failures.join('\n  ')}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
