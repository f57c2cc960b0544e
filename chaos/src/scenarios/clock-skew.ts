/**
 * Scenario 12 — clock skew. Four nodes on one database and a Redis of this scenario's own: one
 * with a true clock, one 5 s ahead, one 5 s behind, one whose wall clock is stepped back 10 s
 * (once before the checks, once mid-stream). Every node must accept a crew link until its
 * expiry and refuse it after, stamp the op log in reference time (never backwards in version
 * order), and never rate-limit an SM at 30 ops/s (limit 50/s) through the step.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ChaosClient } from '../clients';
import { Checker, settled, tally } from '../checker';
import { startNode, type ServerNode } from '../node';
import { expect, r0, type ScenarioResult } from '../result';
import { freshDatabase, startOwnRedis } from '../services';
import { call, makeCrew, makeStage } from '../stage';
import { until } from '../wait';

async function step(node: ServerNode): Promise<void> {
  const seen = node.output.filter((l) => l.includes('clock stepped')).length;
  process.kill(node.pid, 'SIGUSR2');
  await until(() => node.output.filter((l) => l.includes('clock stepped')).length > seen, 5_000, 'the clock step');
}

async function crewAnswer(base: string, token: string): Promise<number> {
  const r = await fetch(`${base}/api/crew-access/me`, { headers: { authorization: `Bearer ${token}` } });
  await r.text();
  return r.status;
}

export async function clockSkewScenario(): Promise<ScenarioResult> {
  const started = performance.now();
  const problems: string[] = [];
  const db = await freshDatabase();
  const redis = await startOwnRedis();
  const checker = new Checker(db.url);
  const sql = new pg.Client({ connectionString: db.url });
  const nodes: ServerNode[] = [];
  const clients: ChaosClient[] = [];
  try {
    const start = (name: string, clock: { clockSkewMs?: number; clockStepMs?: number }) =>
      startNode({ name, databaseUrl: db.url, redisUrl: redis.url, ...clock });
    nodes.push(
      ...(await Promise.all([
        start('skew-true', {}),
        start('skew-ahead-5s', { clockSkewMs: 5_000 }),
        start('skew-behind-5s', { clockSkewMs: -5_000 }),
        start('skew-stepped', { clockStepMs: -10_000 }),
      ])),
    );
    const stepped = nodes[3]!;
    await step(stepped);
    await sql.connect();
    const stage = await makeStage(nodes[0]!.url, 6);
    const link = await makeCrew(stage);

    // Expiry: a link valid for 6 s more, asked 2.5 s before and 2.5 s after on every node.
    const expiresAt = Date.now() + 6_000;
    await sql.query('update crew set expires_at = $1 where id = $2', [new Date(expiresAt), link.id]);
    await until(() => Date.now() >= expiresAt - 2_500, 10_000, 'before expiry');
    const before = await Promise.all(nodes.map((n) => crewAnswer(n.url, link.token)));
    await until(() => Date.now() >= expiresAt + 2_500, 10_000, 'after expiry');
    const after = await Promise.all(nodes.map((n) => crewAnswer(n.url, link.token)));
    const wrongExpiry = before.filter((s) => s !== 200).length + after.filter((s) => s !== 401).length;
    expect(problems, wrongExpiry === 0, `expiry decided wrongly: before ${before.join(' ')}, after ${after.join(' ')}`);

    // Op-log times: edits through every node in turn.
    const written: { version: number; mid: number }[] = [];
    for (let i = 0; i < 16; i++) {
      const n = nodes[i % nodes.length]!;
      const t0 = Date.now();
      const r = await call(n.url, 'PATCH', `/api/scripts/${stage.scriptId}/elements/${stage.cueIds[0]}`, stage.cookie, {
        notes: `from ${n.name} ${i}`,
      });
      const t1 = Date.now();
      if (r.status !== 200) problems.push(`edit through ${n.name}: ${r.status}`);
      else written.push({ version: (JSON.parse(r.text) as { version: number }).version, mid: (t0 + t1) / 2 });
    }
    const { rows } = await sql.query<{ version: number; created_at: Date }>(
      'select version, created_at from ops where script_id = $1 order by version',
      [stage.scriptId],
    );
    let backwards = 0;
    for (let i = 1; i < rows.length; i++) if (rows[i]!.created_at < rows[i - 1]!.created_at) backwards++;
    const at = new Map(rows.map((r) => [r.version, r.created_at.getTime()]));
    const worstOff = Math.max(...written.map((w) => Math.abs((at.get(w.version) ?? Infinity) - w.mid)));
    expect(problems, backwards === 0, `op-log times went backwards ${backwards} times`);
    expect(problems, worstOff < 500, `an op-log time ${r0(worstOff)} ms off true time`);

    // Rates: 30 ops/s on the stepped node, the wall clock stepped back 10 s after 2 s.
    const sm = new ChaosClient(() => stepped.url, stage.scriptId, { cookie: stage.cookie }).start();
    clients.push(sm);
    await until(() => sm.snap.status === 'live', 10_000, 'SM live');
    let k = 0;
    const timer = setInterval(() => {
      k++;
      sm.submit({
        kind: 'update',
        id: stage.cueIds[k % stage.cueIds.length]!,
        fields: { notes: `op ${k} ${randomUUID()}` },
      });
    }, 33);
    await until(() => k >= 60, 10_000, '2 s of ops');
    await step(stepped);
    const mark = k;
    await until(() => k >= mark + 270, 20_000, '9 s of ops after the step');
    clearInterval(timer);
    let state = await checker.state(stage.scriptId);
    await until(
      async () => {
        state = await checker.state(stage.scriptId).catch(() => state);
        return settled(state, clients);
      },
      30_000,
      'every op through',
      50,
    ).catch((e: Error) => problems.push(e.message));
    const t = tally(state, [sm], clients);
    problems.push(...t.problems);
    const limited = sm.rec.errors.get('RATE_LIMITED') ?? 0;
    const closes = sm.rec.closes.map((c) => c.code).join(' ') || 'none';
    expect(problems, limited === 0, `${limited} RATE_LIMITED refusals after the step`);
    expect(problems, closes === 'none', `SM socket closed: ${closes}`);
    expect(problems, t.lost === 0 && t.duplicated === 0 && t.reordered === 0, 'lost, duplicated or reordered ops');
    return {
      scenario: '12 clock skew',
      injected:
        'node clocks true, 5 s ahead, 5 s behind, and stepped back 10 s (twice: before the checks, and mid-stream)',
      load: '4 nodes; a crew link expiring; 16 REST edits across the nodes; 1 SM at 30 ops/s on the stepped node',
      sent: t.sent,
      lost: t.lost,
      duplicated: t.duplicated,
      reordered: t.reordered,
      recoveryMs: null,
      figures: {
        'crew link 2.5 s before expiry (true, ahead, behind, stepped)': before.join(' '),
        'crew link 2.5 s after expiry': after.join(' '),
        'op-log times backwards': backwards,
        'op-log time worst off true': `${r0(worstOff)} ms`,
        'RATE_LIMITED after the step': limited,
        'SM socket closes': closes,
      },
      problems,
      durationMs: performance.now() - started,
    };
  } finally {
    for (const c of clients) c.close();
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    await sql.end().catch(() => {});
    await checker.close();
    await redis.close();
    await db.drop();
  }
}
