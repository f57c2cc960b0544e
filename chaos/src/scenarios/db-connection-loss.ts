/**
 * Scenario 10 — database connection loss. Every PostgreSQL backend of the node's database is
 * terminated (`pg_terminate_backend`) every 400 ms while the SM edits over its socket and the REST
 * API imports CSV, saves versions and restores one, all at once: a connection dies idle in the
 * pool, inside a transaction between statements and mid-query. The node must stay up, answer
 * every request honestly (2xx, 409 or 503 — never a 500 or no answer), and lose, double or
 * reorder nothing.
 */
import pg from 'pg';
import { ChaosClient } from '../clients';
import { Checker, settled, tally } from '../checker';
import { startNode, type ServerNode } from '../node';
import { expect, type ScenarioResult } from '../result';
import { adminUrl, freshDatabase } from '../services';
import { call, makeCrew, makeStage } from '../stage';
import { until } from '../wait';

export async function dbConnectionLossScenario(opts: { rounds: number }): Promise<ScenarioResult> {
  const started = performance.now();
  const problems: string[] = [];
  const db = await freshDatabase();
  const checker = new Checker(db.url);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let node: ServerNode | null = null;
  const clients: ChaosClient[] = [];
  let stopRest = false;
  try {
    node = await startNode({ name: 'db-connection-loss', databaseUrl: db.url });
    const base = node.url;
    const stage = await makeStage(base, 10);
    const sm = new ChaosClient(() => base, stage.scriptId, { cookie: stage.cookie }).start();
    const crew = new ChaosClient(() => base, stage.scriptId, { token: (await makeCrew(stage)).token }).start();
    clients.push(sm, crew);
    await until(() => clients.every((c) => c.snap.status === 'live'), 10_000, 'clients live');
    const saved = await call(base, 'POST', `/api/scripts/${stage.scriptId}/versions`, stage.cookie, { name: 'base' });
    const versionId = (JSON.parse(saved.text) as { version: { id: string } }).version.id;

    const statuses = new Map<string, number>();
    const dishonest: string[] = [];
    const rest = async (what: string, method: string, path: string, body?: unknown) => {
      try {
        const r = await call(base, method, path, stage.cookie, body);
        statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + 1);
        if (![200, 201, 409, 503].includes(r.status)) dishonest.push(`${what}: ${r.status} ${r.text.slice(0, 120)}`);
      } catch (err) {
        dishonest.push(`${what}: no answer (${String(err)})`);
      }
    };
    // CSV goes as text/csv: call() sends JSON, so imports use fetch directly.
    const importCsv = async (n: number) => {
      const rows = Array.from({ length: 5 }, (_, i) => `0:00:0${i},Imported ${n}.${i},NOTE`);
      try {
        const r = await fetch(`${base}/api/scripts/${stage.scriptId}/import?mode=append`, {
          method: 'POST',
          headers: { cookie: stage.cookie, 'content-type': 'text/csv', origin: base },
          body: ['Time,Element Name,Type', ...rows].join('\n'),
        });
        await r.text();
        statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + 1);
        if (![200, 201, 409, 503].includes(r.status)) dishonest.push(`import: ${r.status}`);
      } catch (err) {
        dishonest.push(`import: no answer (${String(err)})`);
      }
    };
    const restLoop = (async () => {
      for (let n = 0; !stopRest; n++) {
        await importCsv(n);
        await rest('version save', 'POST', `/api/scripts/${stage.scriptId}/versions`, { name: `v ${n}` });
        await rest('restore', 'POST', `/api/scripts/${stage.scriptId}/versions/${versionId}/restore`);
      }
    })();

    let k = 0;
    const timer = setInterval(() => {
      k++;
      sm.submit({ kind: 'update', id: stage.cueIds[k % stage.cueIds.length]!, fields: { notes: `edit ${k}` } });
    }, 50);
    let ended = 0;
    for (let round = 0; round < opts.rounds; round++) {
      await new Promise((r) => setTimeout(r, 400));
      const res = await admin.query<{ ended: boolean }>(
        `select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
        [db.name],
      );
      ended += res.rows.filter((x) => x.ended).length;
      if (node.exited) break;
    }
    const faultsEndedAt = performance.now();
    clearInterval(timer);
    stopRest = true;
    await restLoop;
    expect(problems, !node.exited, `the node ended:\n${node.output.join('').slice(-2000)}`);
    let state = await checker.state(stage.scriptId);
    await until(
      async () => {
        state = await checker.state(stage.scriptId).catch(() => state);
        return settled(state, clients);
      },
      30_000,
      'everything through after the faults',
      20,
    ).catch((e: Error) => problems.push(e.message));
    const recoveryMs = performance.now() - faultsEndedAt;
    const t = tally(state, [sm], clients);
    problems.push(...t.problems, ...dishonest.slice(0, 3));
    // The node's own account of a 500, for the report.
    const logged = node.output
      .join('')
      .split('\n')
      .filter((l) => l.includes('"level":50'))
      .map((l) => l.slice(l.indexOf('caused by'), l.indexOf('caused by') + 200));
    if (dishonest.length > 0) problems.push(...new Set(logged.slice(0, 3)));
    expect(problems, dishonest.length === 0, `${dishonest.length} requests answered dishonestly or not at all`);
    expect(problems, t.lost === 0 && t.duplicated === 0 && t.reordered === 0, 'lost, duplicated or reordered ops');
    return {
      scenario: '10 database connection loss',
      injected: `every backend of the node's database terminated every 400 ms, ${opts.rounds} times`,
      load: '1 SM at 20 ops/s, 1 crew; CSV import, version save and restore in a loop over REST',
      sent: t.sent,
      lost: t.lost,
      duplicated: t.duplicated,
      reordered: t.reordered,
      recoveryMs,
      figures: {
        'backends terminated': ended,
        'node up throughout': node.exited ? 'no' : 'yes',
        'REST answers': [...statuses].map(([s, n]) => `${s}×${n}`).join(' '),
        'UNAVAILABLE errors (socket)': sm.rec.errors.get('UNAVAILABLE') ?? 0,
        'unanswered or 500': dishonest.length,
      },
      problems,
      durationMs: performance.now() - started,
    };
  } finally {
    stopRest = true;
    for (const c of clients) c.close();
    await node?.kill('SIGKILL');
    await admin.end();
    await checker.close();
    await db.drop();
  }
}
