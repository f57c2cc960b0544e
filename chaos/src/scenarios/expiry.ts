/**
 * Scenario 7 — credential expiry mid-show. A crew link expires while the SM is sending a run of
 * ops: its socket must close with 1008 "expired" within 1 s of the expiry. The SM renews the
 * link; the crew page starts again from what it held (the same storage) and resumes with no
 * version lost or doubled. (GO commands join this scenario once the live-show commands are
 * wired into the socket; today it covers the op stream.)
 */
import { ChaosClient } from '../clients';
import { Checker, deliveries, divergence } from '../checker';
import { startNode, type ServerNode } from '../node';
import { expect, type ScenarioResult } from '../result';
import { freshDatabase } from '../services';
import { call, makeCrew, makeStage } from '../stage';
import { until } from '../wait';

export async function expiryScenario(): Promise<ScenarioResult> {
  const started = performance.now();
  const problems: string[] = [];
  const db = await freshDatabase();
  const checker = new Checker(db.url);
  let node: ServerNode | null = null;
  const clients: ChaosClient[] = [];
  try {
    node = await startNode({ name: 'expiry', databaseUrl: db.url });
    const base = node.url;
    const stage = await makeStage(base, 10);
    const link = await makeCrew(stage);
    const expiresAt = Date.now() + 2_500;
    await checker.query('update crew set expires_at = $1 where id = $2', [new Date(expiresAt), link.id]);
    const sm = new ChaosClient(() => base, stage.scriptId, { cookie: stage.cookie }).start();
    const crew1 = new ChaosClient(() => base, stage.scriptId, { token: link.token }).start();
    clients.push(sm, crew1);
    await until(() => clients.every((c) => c.snap.status === 'live'), 10_000, 'clients live');
    let k = 0;
    const timer = setInterval(() => {
      k++;
      sm.submit({ kind: 'update', id: stage.cueIds[k % stage.cueIds.length]!, fields: { notes: `cue run ${k}` } });
    }, 50);
    await until(() => crew1.snap.status === 'closed', 10_000, 'the expired link to close');
    const closedAfterExpiryMs = Date.now() - expiresAt;
    const close = crew1.snap.closeReason;
    expect(problems, close?.code === 1008 && close.reason === 'expired', `closed with ${JSON.stringify(close)}`);
    expect(problems, closedAfterExpiryMs <= 1_000, `closed ${closedAfterExpiryMs} ms after the expiry`);
    // The SM renews the link (REST, as the app does); the page reloads from its storage.
    const renewAt = performance.now();
    const renewed = await call(base, 'PATCH', `/api/crew/${link.id}`, stage.cookie, { expiresInDays: 1 });
    expect(problems, renewed.status === 200, `renew: ${renewed.status}`);
    const crew2 = new ChaosClient(
      () => base,
      stage.scriptId,
      { token: link.token },
      { storage: crew1.storage },
    ).start();
    clients.push(crew2);
    await until(() => crew2.snap.status === 'live', 10_000, 'the renewed link to connect');
    const resumeMs = performance.now() - renewAt;
    await until(() => sm.acked.size >= k - 1 && k > 100, 20_000, 'a further run of ops');
    clearInterval(timer);
    let state = await checker.state(stage.scriptId);
    await until(
      async () => {
        state = await checker.state(stage.scriptId);
        return [sm, crew2].every((c) => c.snap.pendingCount === 0 && c.snap.version === state.version);
      },
      10_000,
      'everyone at the database version',
    );
    // One crew device's whole history: before the expiry, then after renewing.
    const history = [...crew1.rec.versions, ...crew2.rec.versions];
    const seen = new Set(history);
    const from = crew1.rec.snapshots[0] ?? 0;
    let missing = 0;
    for (let v = from + 1; v <= state.version; v++) if (!seen.has(v)) missing++;
    const d = deliveries({ rec: { versions: history } });
    for (const c of [sm, crew2]) {
      const diff = divergence(state, c);
      if (diff) problems.push(`a client differs from the database: ${diff}`);
    }
    expect(
      problems,
      missing === 0 && d.duplicated === 0 && d.reordered === 0,
      `crew history: ${missing} missing, ${d.duplicated} doubled, ${d.reordered} reordered`,
    );
    expect(problems, crew2.rec.snapshots.length === 0, 'the renewed page needed a snapshot instead of catching up');
    return {
      scenario: '7 credential expiry',
      injected: 'a crew link expires during a run of SM ops; the SM renews it; the page restarts from its storage',
      load: '1 SM at 20 ops/s, 1 crew',
      sent: sm.submitted.length,
      lost: missing,
      duplicated: d.duplicated,
      reordered: d.reordered,
      recoveryMs: resumeMs,
      figures: {
        'close code': `${close?.code} ${close?.reason}`,
        'closed after the expiry (ms)': closedAfterExpiryMs,
        'versions caught up after renewing': crew2.rec.versions.length,
      },
      problems,
      durationMs: performance.now() - started,
    };
  } finally {
    for (const c of clients) c.close();
    await node?.kill('SIGKILL');
    await checker.close();
    await db.drop();
  }
}
