/**
 * A PostgreSQL cluster of the test's own (initdb in a temporary directory, its own port), so a
 * test can terminate its backends, restart it or freeze it without disturbing the shared server
 * or other test files. Freezing it stops (SIGSTOP) the postmaster and then every process it
 * forked, as a hung machine would; each backend leads a process group of its own, so they are
 * found by parent id rather than signalled as one group.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './redis-server';

/** The directory with initdb and postgres, or null when PostgreSQL is not installed. */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  return null;
}

export interface TestPostgres {
  /** URL of the `cuebe` database. */
  url: string;
  port: number;
  /** pg_terminate_backend on every other connection to the cuebe database; how many it ended. */
  terminateBackends(): Promise<number>;
  /** Stop it ('fast': a clean shutdown that ends every session; 'immediate': like a crash) and start it again. */
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  /** SIGSTOP the postmaster and every process it forked (backends, background workers). */
  freeze(): void;
  /** SIGCONT them. */
  resume(): void;
  close(): Promise<void>;
}

/** initdb refuses to run as root: as root, the cluster belongs to the postgres user. */
function owner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces, so read after its closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // it ended meanwhile
    }
  }
  return out;
}

export async function startPostgres(bin: string): Promise<TestPostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cuebe-pg-'));
  const data = join(dir, 'data');
  const as = owner();
  if (as) chownSync(dir, as.uid, as.gid);
  const ids = as ? { uid: as.uid, gid: as.gid } : {};
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
    ...ids,
    stdio: 'ignore',
  });
  let proc: ChildProcess | null = null;
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;

  const start = async () => {
    const p = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
      { ...ids, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    proc = p;
    let log = '';
    p.stderr?.on('data', (b: Buffer) => (log = (log + String(b)).slice(-2000)));
    const exited = new Promise<never>((_, reject) =>
      p.once('exit', (code) => reject(new Error(`postgres exited (${code}): ${log}`))),
    );
    exited.catch(() => {});
    const deadline = Date.now() + 30_000;
    for (;;) {
      const c = new pg.Client({ connectionString: admin });
      try {
        await Promise.race([c.connect(), exited]);
        await c.end();
        return;
      } catch (err) {
        await c.end().catch(() => {});
        if (p.exitCode !== null || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };

  const stop = async (signal: NodeJS.Signals) => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      // A frozen cluster cannot act on a signal until it runs again.
      all('SIGCONT');
      p.kill(signal);
    });
  };

  const all = (signal: NodeJS.Signals) => {
    const pid = proc?.pid;
    if (!pid) return;
    process.kill(pid, signal);
    for (const child of childrenOf(pid)) {
      try {
        process.kill(child, signal);
      } catch {
        // it ended meanwhile
      }
    }
  };

  await start();
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query('create database cuebe');
  await c.end();

  return {
    url: `postgres://postgres@127.0.0.1:${port}/cuebe`,
    port,
    async terminateBackends() {
      const k = new pg.Client({ connectionString: admin });
      await k.connect();
      try {
        const r = await k.query<{ ended: boolean }>(
          `select pg_terminate_backend(pid) as ended from pg_stat_activity
            where datname = 'cuebe' and pid <> pg_backend_pid()`,
        );
        return r.rows.filter((x) => x.ended).length;
      } finally {
        await k.end();
      }
    },
    async restart(mode = 'fast') {
      await stop(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
      await start();
    },
    freeze: () => all('SIGSTOP'),
    resume: () => all('SIGCONT'),
    async close() {
      await stop('SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
