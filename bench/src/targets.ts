/**
 * The servers the bench can measure, behind one shape: start a child process, seed M scripts
 * with crew credentials, say how an SM authenticates, stop. Cuebe is seeded through its REST API
 * (register, show, shared scripts, crew links); a baseline needs no seeding (any token passes).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { z } from 'zod';
import { CrewAssignment, Department, Element, Script, Show, User } from '@cuebe/protocol';
import { atExit } from './children';
import type { CrewSocketSpec } from './ipc';
import { mapLimit, Rest } from './rest';
import { startServerChild, type ServerChild } from './server-process';

export interface SeededScript {
  id: string;
  /** Headers of the SM's socket handshake (session cookie, Origin). */
  smHeaders: Record<string, string>;
  /** The node the SM's socket connects to (several nodes: --cluster); else the target's server. */
  smWsBase?: string;
  /** The element the SM keeps updating (visible to every crew view). */
  elementId: string;
  crew: CrewSocketSpec[];
}

export interface Seeded {
  scripts: SeededScript[];
}

export interface Target {
  readonly name: string;
  readonly server: ServerChild;
  /** M scripts with crewPerScript sockets each (devicesPerCrew sockets share one crew link). */
  seed(m: number, crewPerScript: number, devicesPerCrew: number): Promise<Seeded>;
  /** Several nodes only: kill the fan-out's Redis, wait downMs, start it again. */
  restartRedis?(downMs: number): Promise<void>;
  /** Several nodes only: the node processes (CPU is read from all of them). */
  readonly pids?: number[];
  stop(): Promise<void>;
}

export type TargetName = 'cuebe' | 'baseline-ws';

export interface TargetOptions {
  /** Use PostgreSQL (a fresh database made from this admin URL) instead of PGlite. */
  pgAdminUrl?: string;
}

export async function startTarget(name: TargetName, opts: TargetOptions): Promise<Target> {
  return name === 'cuebe' ? startCuebe(opts) : startBaselineWs();
}

const serverMain = fileURLToPath(new URL('../../packages/server/src/main.ts', import.meta.url));
const baselineMain = fileURLToPath(new URL('./baseline-ws.ts', import.meta.url));

export async function freshPgDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `cuebe_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

export const CrewWithLink = z.object({ ...CrewAssignment.shape, link: z.string().nullable(), status: z.string() });

async function startCuebe(opts: TargetOptions): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cuebe-bench-'));
  const forget = atExit(() => rmSync(dataDir, { recursive: true, force: true }));
  const pgDb = opts.pgAdminUrl ? await freshPgDatabase(opts.pgAdminUrl) : null;
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SEED_DEMO: 'false',
    // Per-request info logs would be measured as hub CPU; production runs at info, see BENCHMARKS.md.
    LOG_LEVEL: process.env.CUEBE_BENCH_LOG_LEVEL ?? 'warn',
    NODE_ENV: 'production',
  };
  if (pgDb) env.DATABASE_URL = pgDb.url;
  let server: ServerChild;
  try {
    server = await startServerChild({
      entry: serverMain,
      env,
      listening: 'stdout',
      label: 'cuebe',
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    await pgDb?.drop();
    throw err;
  }
  // Seeding is incremental and kept between scenarios: one server per target serves every
  // scenario, and the REST calls that make thousands of crew links are paid once. Scripts come
  // SCRIPTS_PER_SHOW to a show, each show with its own SM account (an SM may hold at most
  // LIMITS.maxSocketsPerUser sockets; 50 productions are not run by one stage manager).
  const shows: SeededShow[] = [];
  return {
    name: `cuebe (${pgDb ? 'PostgreSQL' : 'PGlite'})`,
    server,
    async seed(m, crewPerScript, devicesPerCrew) {
      const perScript = Math.ceil(crewPerScript / devicesPerCrew);
      const showCount = Math.ceil(m / SCRIPTS_PER_SHOW);
      while (shows.length < showCount) shows.push(await newShow(server.url, shows.length + 1));
      const out: SeededScript[] = [];
      for (let si = 0; si < showCount; si++) {
        const show = shows[si]!;
        const here = Math.min(SCRIPTS_PER_SHOW, m - si * SCRIPTS_PER_SHOW);
        await show.ensure(here, here * perScript);
        for (let j = 0; j < here; j++) {
          const script = show.scripts[j]!;
          out.push({
            ...script,
            smHeaders: { cookie: show.rest.cookie ?? '', origin: server.url },
            crew: Array.from({ length: crewPerScript }, (_, k) => ({
              scriptId: script.id,
              token: show.tokens[j * perScript + Math.floor(k / devicesPerCrew)]!,
              deviceId: `bench-${si}-${j}-${k}`,
            })),
          });
        }
      }
      return { scripts: out };
    },
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      forget();
      await pgDb?.drop();
    },
  };
}

export const SCRIPTS_PER_SHOW = 10;

interface SeededShow {
  rest: Rest;
  scripts: { id: string; elementId: string }[];
  tokens: string[];
  /** Make sure the show has at least this many scripts and crew links. */
  ensure(scripts: number, crew: number): Promise<void>;
}

/** A new SM account with one show (default departments), via the REST API. */
export async function newShow(base: string, n: number): Promise<SeededShow> {
  const rest = new Rest(base);
  const email = `bench-${n}-${randomBytes(4).toString('hex')}@example.com`;
  await rest.call(
    'POST',
    '/api/auth/register',
    { email, password: randomBytes(12).toString('hex'), displayName: `Bench SM ${n}` },
    z.object({ user: User }),
  );
  const made = await rest.call(
    'POST',
    '/api/shows',
    { name: `Bench show ${n}`, defaultDepartments: true },
    z.object({ show: Show, departments: z.array(Department) }),
  );
  const showId = made.show.id;
  const departments = made.departments.map((d) => d.id);
  const show: SeededShow = {
    rest,
    scripts: [],
    tokens: [],
    async ensure(scriptCount, crewCount) {
      const more = await mapLimit(Array.from({ length: Math.max(0, scriptCount - show.scripts.length) }), 4, (_, i) =>
        rest.call(
          'POST',
          `/api/shows/${showId}/scripts`,
          { name: `Bench script ${show.scripts.length + i + 1}`, shared: true },
          z.object({ script: Script, elements: z.array(Element) }),
        ),
      );
      for (const { script, elements } of more) {
        // SHOW START: a note, which every crew view includes.
        const note = elements.find((e) => e.type === 'NOTE') ?? elements[0];
        if (!note) throw new Error(`script ${script.id} has no element to update`);
        show.scripts.push({ id: script.id, elementId: note.id });
      }
      // Crew members spread over the departments, so the hub has several distinct views to encode.
      const first = show.tokens.length;
      const crew = await mapLimit(Array.from({ length: Math.max(0, crewCount - first) }), 8, (_, i) =>
        rest.call(
          'POST',
          `/api/shows/${showId}/crew`,
          {
            name: `Crew ${first + i + 1}`,
            role: 'operator',
            allDepartments: false,
            departmentIds: departments.length ? [departments[(first + i) % departments.length]!] : [],
          },
          z.object({ crew: CrewWithLink }),
        ),
      );
      for (const { crew: c } of crew) {
        const token = c.link?.split('#')[1];
        if (!token) throw new Error(`crew ${c.id} has no link token`);
        show.tokens.push(token);
      }
    },
  };
  return show;
}

async function startBaselineWs(): Promise<Target> {
  const server = await startServerChild({
    entry: baselineMain,
    env: { NODE_ENV: 'production' },
    listening: 'ipc',
    label: 'baseline-ws',
  });
  return {
    name: 'plain ws loop',
    server,
    async seed(m, crewPerScript) {
      const scripts = Array.from({ length: m }, (_, s) => {
        const id = randomUUID();
        return {
          id,
          elementId: randomUUID(),
          smHeaders: {},
          crew: Array.from({ length: crewPerScript }, (_, k) => ({
            scriptId: id,
            token: `baseline-${s}-${k}`,
            deviceId: `bench-${s}-${k}`,
          })),
        };
      });
      return { scripts };
    },
    stop: () => server.stop(),
  };
}
