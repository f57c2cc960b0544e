/**
 * Storage: one Drizzle database type, two backends that run the same migrations.
 * PGlite (embedded, in DATA_DIR or in memory) by default; PostgreSQL when a URL is given.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { PoolClient } from 'pg';
import { isUnavailable } from '../errors';
import { watchPool } from '../metrics';
import { connectPooled, pglitePrepared, postgresPrepared, type PreparedStatement } from './prepared';
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
  /** Bounds on every PostgreSQL wait (tests shorten them). */
  timeouts?: Partial<DbTimeouts>;
}

/**
 * Every wait on PostgreSQL is bounded (SPEC R20): a hung or blackholed server fails the
 * request with UNAVAILABLE instead of holding it (and its pooled connection) for ever.
 */
export interface DbTimeouts {
  /** Opening a connection (TCP and startup). */
  connectMs: number;
  /** One statement, enforced by the server. */
  statementMs: number;
  /** One query, enforced by this process (the server may be too stuck to enforce its own). */
  queryMs: number;
  /** A transaction left idle (its process gone quiet) loses its locks. */
  idleInTransactionMs: number;
  /** TCP keepalive on idle connections, so a path that went dark is noticed. */
  keepAliveMs: number;
}

export const DEFAULT_DB_TIMEOUTS: DbTimeouts = {
  connectMs: 5_000,
  statementMs: 10_000,
  queryMs: 12_000,
  idleInTransactionMs: 15_000,
  keepAliveMs: 10_000,
};

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts.poolSize ?? 10, { ...DEFAULT_DB_TIMEOUTS, ...opts.timeouts });
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

async function openPostgres(url: string, poolSize: number, t: DbTimeouts): Promise<Database> {
  const pg = (await import('pg')).default;
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: t.connectMs,
    statement_timeout: t.statementMs,
    query_timeout: t.queryMs,
    idle_in_transaction_session_timeout: t.idleInTransactionMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: t.keepAliveMs,
  });
  // No database error may end the process (SPEC F1). A connection reports a lost server as an
  // 'error' event, and an event nobody listens to is thrown: the pool listens while a
  // connection is idle, a pool query while it runs — and this listener at every other moment
  // (borrowed by a transaction, between its statements). The failing query reports the fault;
  // the connection is dropped on release (borrow below) and the pool makes a new one.
  pool.on('connect', (client) => client.on('error', () => {}));
  pool.on('error', () => {});
  watchPool(pool, poolSize);
  const db = drizzle(pool, { schema });
  /** A connection of its own for `use`; released broken (closed, not pooled) after a connection fault. */
  const borrow = async <T>(use: (client: PoolClient) => Promise<T>): Promise<T> => {
    const client = await connectPooled(pool);
    let broken = false;
    const onError = () => (broken = true);
    client.on('error', onError);
    try {
      return await use(client);
    } catch (err) {
      // A timeout leaves a statement running on it; a reset leaves nothing: either way its
      // state is unknown, so it must not serve anyone else.
      if (isUnavailable(err)) broken = true;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  };
  // Drizzle's pool transaction borrows a connection without listening for its faults and, when
  // BEGIN fails, never gives it back: every transaction runs on a borrowed connection instead.
  const onClient = new WeakMap<PoolClient, Db>();
  const transaction: Db['transaction'] = (fn, config) =>
    borrow((client) => {
      let tdb = onClient.get(client);
      if (!tdb) onClient.set(client, (tdb = drizzle(client, { schema }) as unknown as Db));
      return tdb.transaction(fn, config);
    });
  (db as unknown as Db).transaction = transaction;
  // Several nodes may start at once: one migrates at a time.
  await borrow(async (lock) => {
    await lock.query('select pg_advisory_lock(724311)');
    try {
      await migrate(db, { migrationsFolder });
    } finally {
      await lock.query('select pg_advisory_unlock(724311)').catch(() => {});
    }
  });
  return {
    db: db as unknown as Db,
    kind: 'postgres',
    prepare: (name, text) => postgresPrepared(pool, name, text),
    close: () => pool.end(),
  };
}
