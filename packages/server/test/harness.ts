/**
 * Real servers for tests: Fastify listening on port 0, with a real database.
 * CUEBE_TEST_DB=postgres runs against PostgreSQL (a fresh database per server, made from
 * CUEBE_TEST_PG_URL); anything else runs against an in-memory PGlite.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import { loadConfig, type Config } from '../src/config';
import { openDatabase, type Database } from '../src/db/open';
import { buildApp, type BuildOptions, type BuiltApp } from '../src/app';
import type { Fanout } from '../src/hub/fanout';

export const backend = process.env.CUEBE_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

export interface TestServer extends BuiltApp {
  url: string;
  origin: string;
  database: Database;
  /** Every log line the server wrote (for checks that nothing secret is logged). */
  logs: string[];
  close(): Promise<void>;
}

/** A fresh, empty PostgreSQL database; returns its URL and a drop function. */
export async function freshPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = process.env.CUEBE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `cuebe_t_${randomBytes(6).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`drop database if exists ${name} with (force)`);
      await d.end();
    },
  };
}

export interface StartOptions {
  env?: Record<string, string>;
  fanout?: Fanout;
  /** Reuse a database (restart tests): PGlite data dir or PostgreSQL URL. */
  dataDir?: string;
  databaseUrl?: string;
  hub?: BuildOptions['hub'];
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  let drop: (() => Promise<void>) | undefined;
  let databaseUrl = opts.databaseUrl;
  if (!databaseUrl && !opts.dataDir && backend === 'postgres') {
    const fresh = await freshPgDatabase();
    databaseUrl = fresh.url;
    drop = fresh.drop;
  }
  const config: Config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SEED_DEMO: 'false',
    ...opts.env,
  });
  const database = await openDatabase({ url: databaseUrl, dataDir: opts.dataDir ?? 'memory://' });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const built = await buildApp({ config, database, fanout: opts.fanout, logStream, hub: opts.hub });
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = built.app.server.address();
  if (!addr || typeof addr !== 'object') throw new Error('server did not listen');
  const origin = `http://127.0.0.1:${addr.port}`;
  return {
    ...built,
    url: origin,
    origin,
    database,
    logs,
    async close() {
      await built.app.close();
      await built.ctx.fanout.close();
      await database.close();
      await drop?.();
    },
  };
}
