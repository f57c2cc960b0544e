/**
 * Scenario 7 — credential expiry mid-show. A crew link expires while the SM is calling a run of
 * cues (a GO every 0.6 s, the show playing) and sending ops: its socket must close with 1008
 * "expired" within 1 s of the expiry. The SM renews the link; the crew page starts again from
 * what it held (the same storage) and resumes with no version lost or doubled, and no GO lost or
 * doubled: every GO the SM was acknowledged is in the show log exactly once, in one version each,
 * and the renewed page shows the database's playback state (its last GO) at once.
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
    await sm.client.command({ kind: 'play' });
    let k = 0;
    const timer = setInterval(() => {
      k++;
      sm.submit({ kind: 'update', id: stage.cueIds[k % stage.cueIds.length]!, fields: { notes: `cue run ${k}` } });
    }, 50);
    // The cue calls: GO, one after another at a stage manager's pace (past the 500 ms guard).
    const gos: { cueId: string; version: number }[] = [];
    let goFailures = 0;
    let g = 0;
    const goTimer = setInterval(() => {
      const cueId = stage.cueIds[g++ % stage.cueIds.length]!;
      sm.client.command({ kind: 'go', cueId }).then(
        (r) => gos.push({ cueId, version: r.version }),
        () => goFailures++,
      );
    }, 600);
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
    clearInterval(goTimer);
    await until(() => gos.length + goFailures >= g, 5_000, 'the last GO answered');
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
    // GOs: each acknowledged one in the log once, none the SM was not told of; the page shows the last.
    const logged: { cue: string; version: number }[] = (
      await checker.query(
        "select data->'command'->>'cueId' as cue, version from show_events where script_id = $1 and kind = 'go' order by id",
        [stage.scriptId],
      )
    ).rows;
    const ackedVersions = new Set(gos.map((x) => x.version));
    const loggedVersions = logged.map((r) => r.version);
    const goDoubled = loggedVersions.length - new Set(loggedVersions).size;
    const goLost = [...ackedVersions].filter((v) => !loggedVersions.includes(v)).length;
    const goUnknown = loggedVersions.filter((v) => !ackedVersions.has(v)).length;
    expect(problems, goFailures === 0, `${goFailures} GOs refused or unanswered`);
    expect(problems, gos.length >= 5, `only ${gos.length} GOs called`);
    expect(
      problems,
      goLost + goDoubled + goUnknown === 0,
      `GOs: ${goLost} lost, ${goDoubled} doubled, ${goUnknown} unacknowledged in the log`,
    );
    const pb = (await checker.query('select version, state from playback where script_id = $1', [stage.scriptId]))
      .rows[0] as { version: number; state: { lastGo: { cueId: string } | null } } | undefined;
    await until(
      () => crew2.snap.playback?.version === pb?.version,
      5_000,
      'the renewed page at the playback version',
    ).catch((e: Error) => problems.push(e.message));
    expect(
      problems,
      crew2.snap.playback?.lastGo?.cueId === pb?.state.lastGo?.cueId && pb?.state.lastGo?.cueId === gos.at(-1)?.cueId,
      'the renewed page does not show the last GO',
    );
    const gosWhileExpired = logged.filter((r) => r.version > (crew1.snap.playback?.version ?? 0)).length;
    expect(problems, gosWhileExpired >= 1, 'no GO was called while the link was expired');
    return {
      scenario: '7 credential expiry',
      injected:
        'a crew link expires during a run of cues (GOs) and ops; the SM renews it; the page restarts from its storage',
      load: '1 SM at 20 ops/s and a GO every 0.6 s, 1 crew',
      sent: sm.submitted.length + gos.length,
      lost: missing + goLost,
      duplicated: d.duplicated + goDoubled,
      reordered: d.reordered,
      recoveryMs: resumeMs,
      figures: {
        'close code': `${close?.code} ${close?.reason}`,
        'closed after the expiry (ms)': closedAfterExpiryMs,
        'versions caught up after renewing': crew2.rec.versions.length,
        'GOs called / in the show log once each': `${gos.length} / ${logged.length - goDoubled}`,
        'GOs called while the page was closed, shown as the current state on renewal': gosWhileExpired,
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
