/**
 * Storage: one Drizzle database type, two backends that run the same migrations.
 * PGlite (embedded, in DATA_DIR or in memory) by default; PostgreSQL when a URL is given.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { watchPool } from '../metrics';
import { pglitePrepared, postgresPrepared, type PreparedStatement } from './prepared';
import * as schema from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Either the database or an open transaction. */
export type Conn = Db | Tx;

export interface Database {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /** A fixed statement for the hot path, prepared once, run outside transactions (prepared.ts). */
  prepare(name: string, text: string): PreparedStatement;
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

export interface OpenOptions {
  /** postgres://… → PostgreSQL. */
  url?: string;
  /** Directory for PGlite; 'memory://' for an in-memory database (tests). */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts.poolSize ?? 10);
  return openPglite(opts.dataDir ?? './data');
}

async function openPglite(dataDir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  let client;
  if (dataDir === 'memory://') client = new PGlite();
  else {
    mkdirSync(dataDir, { recursive: true });
    client = new PGlite(dataDir);
  }
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    prepare: (name, text) => pglitePrepared(client, name, text),
    close: () => client.close(),
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pg = (await import('pg')).default;
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // A pool error (server restarted, connection dropped) must not crash the process:
  // the failing query reports it, and the pool makes a new connection next time.
  pool.on('error', () => {});
  // The same for a connection lost while borrowed (inside a transaction): its query fails
  // with the error, and the pool drops the connection when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  watchPool(pool, poolSize);
  const db = drizzle(pool, { schema });
  // Several nodes may start at once: one migrates at a time.
  const lock = await pool.connect();
  try {
    await lock.query('select pg_advisory_lock(724311)');
    await migrate(db, { migrationsFolder });
  } finally {
    await lock.query('select pg_advisory_unlock(724311)').catch(() => {});
    lock.release();
  }
  return {
    db: db as unknown as Db,
    kind: 'postgres',
    prepare: (name, text) => postgresPrepared(pool, name, text),
    close: () => pool.end(),
  };
}
