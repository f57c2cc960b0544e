/**
 * Prepared statements for the hot path (src/db/prepared.ts) on the backend under test: text in,
 * text out; a failing run is an error with its SQLSTATE and leaves the statement usable; a run
 * never lands inside another caller's open transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../src/db/open';
import { backend, freshPgDatabase } from './harness';

describe(`prepared statements (${backend})`, () => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    let url: string | undefined;
    if (backend === 'postgres') ({ url, drop } = await freshPgDatabase());
    database = await openDatabase({ url, dataDir: 'memory://' });
    await database.db.execute(sql`create table probe (id integer primary key, note text)`);
  });
  afterAll(async () => {
    await database.close();
    await drop?.();
  });

  it('takes text and numbers, returns rows as text, nulls as null', async () => {
    const run = database.prepare('probe_echo', `select $1::int + 1, $2::jsonb ->> 'cue', $3::text is null, $3::text`);
    expect(await run([41, JSON.stringify({ cue: 'LX 1 — go' }), null])).toEqual([['42', 'LX 1 — go', 't', null]]);
    expect(await run([1, '{}', 'x'])).toEqual([['2', null, 'f', 'x']]);
  });

  it('one name is one statement: asking again shares it, another text under it is refused', async () => {
    const a = database.prepare('probe_one', 'select 1');
    expect(database.prepare('probe_one', 'select 1')).toBe(a);
    expect(() => database.prepare('probe_one', 'select 2')).toThrow(/already prepared/);
  });

  it('a failing run is a database error with its code, and the statement runs again afterwards', async () => {
    const insert = database.prepare('probe_insert', 'insert into probe (id, note) values ($1, $2) returning id');
    expect(await insert([1, 'first'])).toEqual([['1']]);
    await expect(insert([1, 'again'])).rejects.toMatchObject({ code: '23505', constraint: 'probe_pkey' });
    await expect(database.prepare('probe_div', 'select 1 / $1::int')([0])).rejects.toMatchObject({ code: '22012' });
    expect(await insert([2, 'second'])).toEqual([['2']]);
  });

  it('never runs inside another caller’s open transaction', async () => {
    const count = database.prepare('probe_count', 'select count(*) from probe where id = 100');
    let committed = false;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const didInsert = new Promise<void>((r) => (inserted = r));
    const tx = database.db.transaction(async (t) => {
      await t.execute(sql`insert into probe (id, note) values (100, 'uncommitted')`);
      inserted();
      await held;
    });
    await didInsert;
    const seen = count([]).then((rows) => ({ n: rows[0]![0], committedThen: committed }));
    await new Promise((r) => setTimeout(r, 50));
    committed = true;
    release();
    await tx;
    const { n, committedThen } = await seen;
    // PostgreSQL answers from another connection at once (0); PGlite waits for the transaction (1).
    if (n === '1') expect(committedThen).toBe(true);
    else expect(n).toBe('0');
    if (backend === 'pglite') expect(n).toBe('1');
  });
});
