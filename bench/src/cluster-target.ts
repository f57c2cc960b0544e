/**
 * `--cluster N`: Cuebe as N node processes on one fresh PostgreSQL database and a redis-server
 * of the bench's own (on a free port, so restarting it mid-run disturbs no other Redis). Each
 * script's SM connects to one node and its crew sockets are dealt round-robin over all nodes,
 * so most deliveries cross Redis. Seeding goes through the first node's REST API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerChild, type ServerChild } from './server-process';
import { freshPgDatabase, newShow, SCRIPTS_PER_SHOW, type SeededScript, type Target } from './targets';

const serverMain = fileURLToPath(new URL('../../packages/server/src/main.ts', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server on its own port and directory, killable and restartable. */
async function privateRedis(): Promise<{
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  cleanup(): void;
}> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cuebe-bench-redis-'));
  let proc: ChildProcess | null = null;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      proc = p;
      let out = '';
      p.stdout?.on('data', (b: Buffer) => {
        out += String(b);
        if (out.includes('Ready to accept connections')) resolve();
      });
      p.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-300)}`)));
      p.once('error', reject);
    });
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      // Like a crash: no goodbye to the subscribers.
      p.kill('SIGKILL');
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function startCuebeCluster(nodes: number, pgAdminUrl: string): Promise<Target> {
  const redis = await privateRedis();
  const pgDb = await freshPgDatabase(pgAdminUrl);
  const children: ServerChild[] = [];
  try {
    const start = (i: number): Promise<ServerChild> =>
      startServerChild({
        entry: serverMain,
        env: {
          PORT: '0',
          HOST: '127.0.0.1',
          NODE_ID: `bench-node-${i + 1}`,
          DATABASE_URL: pgDb.url,
          REDIS_URL: redis.url,
          SEED_DEMO: 'false',
          LOG_LEVEL: process.env.CUEBE_BENCH_LOG_LEVEL ?? 'warn',
          NODE_ENV: 'production',
        },
        listening: 'stdout',
        label: `cuebe node ${i + 1}`,
      });
    // One node first: it migrates the database; the others start on a migrated schema.
    children.push(await start(0));
    children.push(...(await Promise.all(Array.from({ length: nodes - 1 }, (_, i) => start(i + 1)))));
  } catch (err) {
    await Promise.all(children.map((c) => c.stop()));
    await redis.stop();
    redis.cleanup();
    await pgDb.drop();
    throw err;
  }
  const first = children[0]!;
  const wsOf = (c: ServerChild) => c.url.replace(/^http/, 'ws');
  const shows: Awaited<ReturnType<typeof newShow>>[] = [];
  return {
    name: `cuebe ×${nodes} nodes (PostgreSQL + Redis)`,
    server: first,
    pids: children.map((c) => c.pid),
    async seed(m, crewPerScript, devicesPerCrew) {
      const perScript = Math.ceil(crewPerScript / devicesPerCrew);
      const showCount = Math.ceil(m / SCRIPTS_PER_SHOW);
      while (shows.length < showCount) shows.push(await newShow(first.url, shows.length + 1));
      const out: SeededScript[] = [];
      let si = 0;
      for (let s = 0; s < showCount; s++) {
        const show = shows[s]!;
        const here = Math.min(SCRIPTS_PER_SHOW, m - s * SCRIPTS_PER_SHOW);
        await show.ensure(here, here * perScript);
        for (let j = 0; j < here; j++, si++) {
          const script = show.scripts[j]!;
          const smNode = children[si % nodes]!;
          out.push({
            ...script,
            smWsBase: wsOf(smNode),
            smHeaders: { cookie: show.rest.cookie ?? '', origin: smNode.url },
            crew: Array.from({ length: crewPerScript }, (_, k) => ({
              scriptId: script.id,
              token: show.tokens[j * perScript + Math.floor(k / devicesPerCrew)]!,
              deviceId: `bench-${s}-${j}-${k}`,
              wsBase: wsOf(children[(si + k) % nodes]!),
            })),
          });
        }
      }
      return { scripts: out };
    },
    async restartRedis(downMs) {
      await redis.stop();
      await new Promise((r) => setTimeout(r, downMs));
      await redis.start();
    },
    async stop() {
      await Promise.all(children.map((c) => c.stop()));
      await redis.stop();
      redis.cleanup();
      await pgDb.drop();
    },
  };
}
