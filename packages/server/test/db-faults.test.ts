/**
 * F1: no database fault ends the process. A node process on a PostgreSQL cluster of the test's
 * own has its backends terminated and the cluster restarted while every kind of write is in
 * flight (socket op, GO, CSV import, version restore, version save, REST edit); the node stays
 * up, answers every request, and each kind of write works again once the database is back.
 * Rule ids: docs/SPEC.md.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend } from './harness';
import { startNode, type NodeProcess } from './node-process';
import { call, makeNodeStage, NodeSocket, type Answer, type NodeStage } from './node-stage';
import { postgresBin, startPostgres, type TestPostgres } from './postgres-server';
import { waitFor } from './wait';

const bin = postgresBin();
if (!bin) console.warn('db-faults: skipped — no PostgreSQL binaries (initdb, postgres) under /usr/lib/postgresql');

type Kind = 'op' | 'go' | 'import' | 'restore' | 'version save' | 'REST edit';
const KINDS: Kind[] = ['op', 'go', 'import', 'restore', 'version save', 'REST edit'];

/** Statuses an honest answer to a write may have while the database comes and goes. */
const HONEST = new Set([200, 201, 409, 503]);

describe.skipIf(backend !== 'postgres' || !bin)('database faults (own PostgreSQL, node process)', () => {
  let pg: TestPostgres;
  let node: NodeProcess;
  let stage: NodeStage;
  let sm: NodeSocket;
  let savedVersionId: string;

  beforeAll(async () => {
    pg = await startPostgres(bin!);
    node = await startNode({ name: 'db-faults', databaseUrl: pg.url });
    stage = await makeNodeStage(node.url, 10);
    const saved = await call(node.url, 'POST', `/api/scripts/${stage.scriptId}/versions`, {
      cookie: stage.cookie,
      json: { name: 'baseline' },
    });
    expect(saved.status).toBe(201);
    savedVersionId = (JSON.parse(saved.text) as { version: { id: string } }).version.id;
    sm = new NodeSocket(node.url, stage.scriptId, { cookie: stage.cookie });
    await sm.until(() => sm.all('welcome').length === 1, 10_000, 'SM welcome');
  }, 60_000);

  afterAll(async () => {
    sm?.close();
    await node?.kill();
    await pg?.close();
  });

  let n = 0;
  /**
   * Socket writes go out at most every 40 ms (25/s, under the 50/s rate limit): a refused command
   * is answered only by a quiet RATE_LIMITED error without its id (PROTOCOL.md), so a flood
   * would leave commands unanswered for a reason that is not the database.
   */
  let nextSocketSlot = 0;
  async function paced(): Promise<void> {
    const now = performance.now();
    const at = Math.max(now, nextSocketSlot);
    nextSocketSlot = at + 40;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  /** One write of `kind`; resolves with its answer (HTTP status, or the socket answer's type). */
  async function write(kind: Kind): Promise<string> {
    n++;
    const cue = stage.cueIds[n % stage.cueIds.length]!;
    const rest = (r: Answer) => {
      if (!HONEST.has(r.status)) throw new Error(`${kind}: answered ${r.status} ${r.text}`);
      return String(r.status);
    };
    const { base, cookie, scriptId } = stage;
    switch (kind) {
      case 'op':
      case 'go': {
        const id = randomUUID();
        await paced();
        if (kind === 'op')
          sm.send({
            type: 'op',
            opId: id,
            baseVersion: 0,
            op: { kind: 'update', id: cue, fields: { notes: `op ${n}` } },
          });
        else sm.send({ type: 'command', commandId: id, command: { kind: 'go', cueId: cue } });
        await waitFor(() => sm.answerTo(id) !== undefined || sm.closed !== null, 30_000, `an answer to ${kind} ${id}`);
        if (sm.closed) throw new Error(`the SM socket closed: ${JSON.stringify(sm.closed)}`);
        return sm.answerTo(id)!.type;
      }
      case 'import': {
        const rows = Array.from({ length: 5 }, (_, i) => `0:00:0${i},Imported ${n}.${i},NOTE`);
        const csv = ['Time,Element Name,Type', ...rows].join('\n');
        return rest(await call(base, 'POST', `/api/scripts/${scriptId}/import?mode=append`, { cookie, csv }));
      }
      case 'restore': {
        // An edit first, so the restore has something to undo.
        await call(base, 'PATCH', `/api/scripts/${scriptId}/elements/${cue}`, { cookie, json: { notes: `r ${n}` } });
        return rest(
          await call(base, 'POST', `/api/scripts/${scriptId}/versions/${savedVersionId}/restore`, { cookie }),
        );
      }
      case 'version save':
        return rest(
          await call(base, 'POST', `/api/scripts/${scriptId}/versions`, { cookie, json: { name: `v ${n}` } }),
        );
      case 'REST edit':
        return rest(
          await call(base, 'PATCH', `/api/scripts/${scriptId}/elements/${cue}`, { cookie, json: { notes: `e ${n}` } }),
        );
    }
  }

  /** Writes of `kind`, three at a time, until stopped; every one must be answered honestly. */
  function writers(kind: Kind) {
    let stop = false;
    const answers: string[] = [];
    const problems: string[] = [];
    const loops = Array.from({ length: 3 }, async () => {
      while (!stop && problems.length === 0)
        await write(kind).then(
          (a) => answers.push(a),
          (err: Error) => problems.push(err.message),
        );
    });
    return {
      answers,
      problems,
      async stop() {
        stop = true;
        await Promise.all(loops);
      },
    };
  }

  const alive = () => {
    if (node.exit() !== null) throw new Error(`the node ended (${node.exit()}):\n${node.output.join('').slice(-3000)}`);
  };

  /** The database is back: one write of `kind` succeeds (retrying what was refused as unavailable). */
  async function worksAgain(kind: Kind): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      alive();
      const answer = await write(kind);
      if (answer === '200' || answer === '201' || answer === 'ack' || answer === 'commandAck') return;
      if (answer === 'commandError') {
        // A GO refused by a playback rule (not the database) is an answer too.
        const last = sm.all('commandError').at(-1)!;
        if (last.code !== 'UNAVAILABLE' && last.code !== 'INTERNAL') return;
      }
      if (Date.now() > deadline) throw new Error(`${kind} did not work again: last answer ${answer}`);
    }
  }

  for (const kind of KINDS)
    it(`F1 ${kind}: backends terminated and PostgreSQL restarted mid-write; the node stays up and answers every request`, async () => {
      const w = writers(kind);
      try {
        for (let round = 0; round < 12; round++) {
          const before = w.answers.length;
          await waitFor(
            () => w.answers.length >= before + 2 || w.problems.length > 0,
            30_000,
            `${kind} writes before round ${round}`,
          );
          await pg.terminateBackends();
          alive();
        }
        for (const mode of ['fast', 'immediate'] as const) {
          await pg.restart(mode);
          alive();
          const before = w.answers.length;
          await waitFor(
            () => w.answers.length >= before + 3 || w.problems.length > 0,
            30_000,
            `${kind} writes after the ${mode} restart`,
          );
        }
      } finally {
        await w.stop();
      }
      alive();
      expect(w.problems, node.output.join('').slice(-4000)).toEqual([]);
      await worksAgain(kind);
      const health = await call(node.url, 'GET', '/healthz');
      expect(health.status).toBe(200);
      alive();
    }, 120_000);
});
