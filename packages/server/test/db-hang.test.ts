/**
 * F2–F4: a hung database is not met with silence. A node process's PostgreSQL (a cluster of the
 * test's own) is frozen — postmaster and every backend stopped with SIGSTOP — and later resumed.
 * Rule ids: docs/SPEC.md.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend } from './harness';
import { startNode, type NodeProcess } from './node-process';
import { call, makeNodeStage, NodeSocket, type NodeStage } from './node-stage';
import { postgresBin, startPostgres, type TestPostgres } from './postgres-server';
import { waitFor } from './wait';

const bin = postgresBin();
if (!bin) console.warn('db-hang: skipped — no PostgreSQL binaries (initdb, postgres) under /usr/lib/postgresql');

describe.skipIf(backend !== 'postgres' || !bin)('hung database (own PostgreSQL, node process)', () => {
  let pg: TestPostgres;
  let node: NodeProcess;
  let stage: NodeStage;

  beforeAll(async () => {
    pg = await startPostgres(bin!);
    node = await startNode({ name: 'db-hang', databaseUrl: pg.url });
    stage = await makeNodeStage(node.url, 5);
  }, 60_000);

  afterAll(async () => {
    pg?.resume();
    await node?.kill();
    await pg?.close();
  });

  async function timedReady(): Promise<{ ms: number; status: number; body: string }> {
    const t = performance.now();
    const r = await call(node.url, 'GET', '/readyz', { timeoutMs: 5_000 });
    return { ms: performance.now() - t, status: r.status, body: r.text };
  }

  it('F2 F3 F4 frozen: /readyz 503 at once, the SM told saving is delayed, a joining crew device refused 1013 in < 5 s; resumed: everything drains', async () => {
    const sm = new NodeSocket(node.url, stage.scriptId, { cookie: stage.cookie });
    const crew = new NodeSocket(node.url, stage.scriptId, { token: stage.crewToken });
    await waitFor(() => sm.all('welcome').length === 1 && crew.all('welcome').length === 1, 10_000, 'welcomes');
    expect((await timedReady()).status).toBe(200);

    pg.freeze();
    const frozenAt = performance.now();
    try {
      // The SM edits: within ~2 s it hears that saving is delayed, long before the op's answer.
      const opId = randomUUID();
      sm.send({
        type: 'op',
        opId,
        baseVersion: 0,
        op: { kind: 'update', id: stage.cueIds[0]!, fields: { notes: 'during the hang' } },
      });
      const sentAt = performance.now();
      await waitFor(
        () => sm.all('error').some((e) => e.code === 'UNAVAILABLE' && e.opId === undefined),
        5_000,
        'the SM told saving is delayed',
      );
      const toldAfter = performance.now() - sentAt;
      expect(toldAfter).toBeLessThan(2_500);
      const notice = sm.all('error').find((e) => e.opId === undefined)!;
      expect(notice).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
      expect(sm.answerTo(opId)).toBeUndefined();

      // Readiness turns within its probe timeout, and is answered at once from then on.
      let last = await timedReady();
      while (last.status === 200) {
        expect(performance.now() - frozenAt).toBeLessThan(5_000);
        last = await timedReady();
      }
      const probes = [last];
      for (let i = 0; i < 5; i++) probes.push(await timedReady());
      for (const p of probes) {
        expect(p.status).toBe(503);
        expect(JSON.parse(p.body)).toMatchObject({ ok: false, error: 'database not ready' });
      }
      const times = probes.map((p) => p.ms).sort((a, b) => a - b);
      expect(times[Math.floor(times.length / 2)]).toBeLessThan(100);

      // A crew device joining now gets a clear "try again later" within 5 s, not silence.
      const joining = new NodeSocket(node.url, stage.scriptId, { token: stage.crewToken });
      await waitFor(() => joining.closed !== null || joining.all('welcome').length > 0, 5_000, 'join answered');
      const joinMs = performance.now() - joining.openedAt;
      expect(joinMs).toBeLessThan(5_000);
      if (joining.closed) expect(joining.closed.code).toBe(1013);
      console.info(
        `hung database: SM told after ${Math.round(toldAfter)} ms; /readyz median ${Math.round(times[Math.floor(times.length / 2)]!)} ms;` +
          ` joining crew device ${joining.closed ? `closed ${joining.closed.code}` : 'welcomed'} after ${Math.round(joinMs)} ms`,
      );
      // Hold the freeze a while longer (an outage of several seconds), watching the node stays up.
      await waitFor(() => node.exit() !== null || performance.now() - frozenAt > 8_000, 10_000, 'the hang');
      expect(node.exit()).toBeNull();
    } finally {
      pg.resume();
    }

    // Resumed: readiness comes back, the op is answered, and a retry (if it was refused) goes through.
    let ready = await timedReady();
    const resumedAt = performance.now();
    while (ready.status !== 200) {
      expect(performance.now() - resumedAt).toBeLessThan(10_000);
      ready = await timedReady();
    }
    const again = new NodeSocket(node.url, stage.scriptId, { token: stage.crewToken });
    await waitFor(() => again.all('welcome').length === 1, 10_000, 'a crew device joins after the hang');
    const opId = randomUUID();
    sm.send({
      type: 'op',
      opId,
      baseVersion: 0,
      op: { kind: 'update', id: stage.cueIds[1]!, fields: { notes: 'after' } },
    });
    await waitFor(() => sm.answerTo(opId)?.type === 'ack', 15_000, 'an op after the hang acked');
    // The crew socket that stayed open through the hang gets it too.
    const version = (sm.answerTo(opId) as { version: number }).version;
    await waitFor(
      () => crew.all('changes').some((c) => c.changes.some((x) => x.version === version)),
      10_000,
      'the crew device kept through the hang gets the new version',
    );
    expect(node.exit()).toBeNull();
    sm.close();
    crew.close();
    again.close();
  }, 90_000);
});
