/**
 * The real services a chaos run uses, each its own: a fresh PostgreSQL database per scenario
 * (made from CUEBE_TEST_PG_URL, dropped after), a redis-server on its own port (so killing it
 * disturbs nothing else), and free loopback ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const adminUrl = process.env.CUEBE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface FreshDatabase {
  url: string;
  name: string;
  /** Host and port of the PostgreSQL server (for a proxy in front of it). */
  host: string;
  port: number;
  /** The same database reached through another host:port (a proxy). */
  via(host: string, port: number): string;
  drop(): Promise<void>;
}

export async function freshDatabase(): Promise<FreshDatabase> {
  const name = `cuebe_chaos_${randomBytes(5).toString('hex')}`;
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    host: u.hostname,
    port: Number(u.port || 5432),
    via(host, port) {
      const v = new URL(u.toString());
      v.hostname = host;
      v.port = String(port);
      return v.toString();
    },
    async drop() {
      const d = new pg.Client({ connectionString: adminUrl });
      await d.connect();
      await d.query(`drop database if exists ${name} with (force)`);
      await d.end();
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface OwnRedis {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers (a hung Redis); `thaw` is SIGCONT. */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

/** A redis-server of our own on a free port, no persistence. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cuebe-chaos-redis-'));
  let proc: ChildProcess | null = null;
  const start = async () => {
    const p = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc = p;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const onData = (b: Buffer) => {
        out += String(b);
        if (out.includes('Ready to accept connections')) {
          p.stdout?.off('data', onData);
          resolve();
        }
      };
      p.stdout?.on('data', onData);
      p.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-300)}`)));
      p.once('error', reject);
    });
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  };
  const signal = (sig: NodeJS.Signals) => {
    const p = proc as ChildProcess | null;
    if (!p || p.exitCode !== null) throw new Error('redis-server is not running');
    p.kill(sig);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
