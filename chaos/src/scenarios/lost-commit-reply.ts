/**
 * Scenario — lost commit reply. The node (a real process) reaches PostgreSQL through a proxy
 * that, round after round, lets one write's commit through and throws its reply away: socket
 * ops, REST element edits, CSV imports, saved versions, restores and playback commands, in turn,
 * while the SM keeps editing. Every write must be answered honestly (committed, or
 * OUTCOME_UNKNOWN — never UNAVAILABLE, which says nothing was written), its one retry with the
 * same key answered the same and written nothing (an import's 50 rows stay 50), and every
 * committed version must reach the crew device within 1 s of its answer.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ChaosClient } from '../clients';
import { Checker, settled, tally } from '../checker';
import { commitReplyProxy } from '@cuebe/server/testing';
import { startNode, type ServerNode } from '../node';
import { expect, r0, type ScenarioResult } from '../result';
import { freshDatabase } from '../services';
import { cueElement, makeCrew, makeStage } from '../stage';
import { until } from '../wait';

const KINDS = [
  'socket op',
  'element edit',
  'CSV import',
  'version save',
  'version restore',
  'history restore',
  'command',
];
const DELIVERY_MS = 1_000;
const HEADER = 'Time,Type,Element Name,Description,Group Path,Department,Priority,Location,Duration,Color';

/** Two JSON answers with the same content (a stored answer comes back with its keys reordered). */
const sameJson = (a: string, b: string) => isDeepStrictEqual(JSON.parse(a), JSON.parse(b));

interface Answer {
  status: number;
  text: string;
}

export async function lostCommitReplyScenario(opts: {
  rounds: number;
  log?: (line: string) => void;
}): Promise<ScenarioResult> {
  const started = performance.now();
  const problems: string[] = [];
  const db = await freshDatabase();
  const checker = new Checker(db.url);
  const proxy = await commitReplyProxy(db.url);
  let node: ServerNode | null = null;
  const clients: ChaosClient[] = [];
  const answered = { committed: 0, unknown: 0, unavailable: 0, other: 0 };
  let retriesSame = 0;
  let retriesDiffer = 0;
  let rowsDoubled = 0;
  const lags: number[] = [];
  const unknownKinds: string[] = [];
  try {
    node = await startNode({ name: 'lost-reply', databaseUrl: proxy.url });
    const base = node.url;
    const stage = await makeStage(base, 10);
    const sm = new ChaosClient(() => base, stage.scriptId, { cookie: stage.cookie }).start();
    const crew = new ChaosClient(() => base, stage.scriptId, { token: (await makeCrew(stage)).token }).start();
    clients.push(sm, crew);
    await until(() => clients.every((c) => c.snap.status === 'live'), 10_000, 'clients live');

    const rest = async (method: string, path: string, key: string, body?: unknown, type = 'application/json') => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          cookie: stage.cookie,
          'idempotency-key': key,
          ...(body !== undefined ? { 'content-type': type } : {}),
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      return { status: res.status, text: await res.text() } satisfies Answer;
    };
    const classify = (a: Answer) => {
      if (a.status < 300) answered.committed++;
      else if (a.text.includes('OUTCOME_UNKNOWN')) answered.unknown++;
      else if (a.text.includes('UNAVAILABLE')) answered.unavailable++;
      else {
        answered.other++;
        problems.push(`answered ${a.status} ${a.text.slice(0, 120)}`);
      }
    };
    /** The crew device holds `version` within DELIVERY_MS of the answer; the lag is kept. */
    const delivered = async (version: number, what: string) => {
      const at = performance.now();
      await until(() => (crew.snap.version ?? 0) >= version, 5_000, `crew at v${version} after ${what}`, 2).catch(
        (e: Error) => void problems.push(e.message),
      );
      const lag = performance.now() - at;
      lags.push(lag);
      if (lag > DELIVERY_MS) problems.push(`${what}: crew got v${version} ${Math.round(lag)} ms after the answer`);
    };
    const version = (a: Answer): number | null => {
      const m = /"version":\s*(\d+)/.exec(a.text);
      return m ? Number(m[1]) : null;
    };
    /** A keyed REST write with its reply lost, then its one retry with the key. */
    const keyed = async (what: string, run: (key: string) => Promise<Answer>) => {
      const key = randomUUID();
      const hit = proxy.loseNextCommitReply();
      const before = proxy.lost;
      const first = await run(key);
      proxy.disarm();
      if (proxy.lost !== before + 1) problems.push(`${what}: no commit reply was lost`);
      else await hit;
      classify(first);
      const again = await run(key);
      if (first.status >= 300 && first.text.includes('OUTCOME_UNKNOWN')) unknownKinds.push(what);
      if (first.status < 300 && sameJson(again.text, first.text)) retriesSame++;
      else if (first.status < 300) {
        retriesDiffer++;
        problems.push(`${what}: retry answered ${again.status} ${again.text.slice(0, 120)}`);
      } else if (again.status >= 300) problems.push(`${what}: the retry failed too (${again.status})`);
      const answer = first.status < 300 ? first : again;
      return answer;
    };

    // Background editing: the SM keeps going between the rounds (paused while the proxy is
    // armed, so the reply it loses is the round's write's).
    let k = 0;
    let armed = false;
    const timer = setInterval(() => {
      if (armed) return;
      k++;
      sm.submit({ kind: 'update', id: stage.cueIds[k % stage.cueIds.length]!, fields: { notes: `edit ${k}` } });
    }, 100);
    let commands = 0;
    let savedId: string | null = null;

    for (let round = 0; round < opts.rounds; round++) {
      const kind = KINDS[round % KINDS.length]!;
      // Let edits already sent land before arming.
      armed = true;
      await until(() => sm.snap.pendingCount === 0, 10_000, 'background edits acked').catch(
        (e: Error) => void problems.push(e.message),
      );
      if (kind === 'socket op') {
        const hit = proxy.loseNextCommitReply();
        const el = cueElement(1000 + round, null);
        const opId = sm.submit({ kind: 'create', element: el });
        await until(() => sm.acked.has(opId), 10_000, `ack of round ${round}`).catch(
          (e: Error) => void problems.push(e.message),
        );
        proxy.disarm();
        await Promise.race([hit, new Promise((r) => setTimeout(r, 10))]);
        // The op log's answer to whether it was applied: the ack.
        if (sm.acked.has(opId)) {
          answered.committed++;
          await delivered(sm.acked.get(opId)!, `socket op (round ${round})`);
        }
      } else if (kind === 'element edit') {
        const id = stage.cueIds[round % stage.cueIds.length]!;
        const a = await keyed('element edit', (key) =>
          rest('PATCH', `/api/scripts/${stage.scriptId}/elements/${id}`, key, { location: `round ${round}` }),
        );
        const v = version(a);
        if (v !== null) await delivered(v, `element edit (round ${round})`);
      } else if (kind === 'CSV import') {
        const rows = Array.from({ length: 50 }, (_, i) => `0:02:${10 + (i % 40)},CUE,R${round} ${i + 1},,,,NORMAL,,,`);
        const a = await keyed('CSV import', (key) =>
          rest(
            'POST',
            `/api/scripts/${stage.scriptId}/import?mode=append`,
            key,
            [HEADER, ...rows].join('\n'),
            'text/csv',
          ),
        );
        const v = version(a);
        if (v !== null) await delivered(v, `CSV import (round ${round})`);
        const now = await checker.state(stage.scriptId);
        const imported = now.elements.filter((e) => e.name.startsWith(`R${round} `)).length;
        if (imported !== 50) {
          rowsDoubled += Math.max(0, imported - 50);
          problems.push(`CSV import of round ${round}: ${imported} rows for 50`);
        }
      } else if (kind === 'version save') {
        const a = await keyed('version save', (key) =>
          rest('POST', `/api/scripts/${stage.scriptId}/versions`, key, { name: `Round ${round}` }),
        );
        const m = /"id":"([0-9a-f-]{36})"/.exec(a.text);
        if (m) savedId = m[1]!;
        const list = await fetch(`${base}/api/scripts/${stage.scriptId}/versions`, {
          headers: { cookie: stage.cookie },
        });
        const named = ((await list.json()) as { versions: { name: string }[] }).versions.filter(
          (v) => v.name === `Round ${round}`,
        );
        if (named.length !== 1) problems.push(`version save of round ${round}: ${named.length} saved versions`);
      } else if (kind === 'version restore' && savedId) {
        const id = savedId;
        // Something for the restore to undo.
        sm.submit({ kind: 'update', id: stage.cueIds[0]!, fields: { notes: `before restore ${round}` } });
        await until(() => sm.snap.pendingCount === 0, 10_000, 'edit before the restore acked');
        const a = await keyed('version restore', (key) =>
          rest('POST', `/api/scripts/${stage.scriptId}/versions/${id}/restore`, key),
        );
        const v = version(a);
        if (v !== null) await delivered(v, `version restore (round ${round})`);
      } else if (kind === 'history restore') {
        const current = (await checker.state(stage.scriptId)).version;
        const a = await keyed('history restore', (key) =>
          rest('POST', `/api/scripts/${stage.scriptId}/restore`, key, { version: Math.max(0, current - 3) }),
        );
        const v = version(a);
        if (v !== null) await delivered(v, `history restore (round ${round})`);
      } else if (kind === 'command') {
        const hit = proxy.loseNextCommitReply();
        const kindNow = commands === 0 ? 'play' : commands % 2 === 1 ? 'pause' : 'resume';
        const command = { kind: kindNow } as const;
        const result = await sm.client.command(command).catch((e: unknown) => e);
        proxy.disarm();
        await Promise.race([hit, new Promise((r) => setTimeout(r, 10))]);
        if (result && typeof result === 'object' && 'version' in result) {
          answered.committed++;
          commands++;
          const v = Number(result.version);
          const at = performance.now();
          await until(() => (crew.snap.playback?.version ?? 0) >= v, 5_000, `crew playback v${v}`, 2).catch(
            (e: Error) => void problems.push(e.message),
          );
          lags.push(performance.now() - at);
        } else problems.push(`command ${command.kind} of round ${round}: ${String(result)}`);
      }
      armed = false;
      opts.log?.(`round ${round + 1}/${opts.rounds} (${kind}): lost replies ${proxy.lost}`);
    }
    clearInterval(timer);

    let state = await checker.state(stage.scriptId);
    await until(
      async () => {
        state = await checker.state(stage.scriptId).catch(() => state);
        return settled(state, clients);
      },
      30_000,
      'everything settled',
      20,
    ).catch((e: Error) => problems.push(e.message));
    const t = tally(state, [sm], clients);
    problems.push(...t.problems);
    // Errors the node logged, but for the 503 OUTCOME_UNKNOWN answers themselves.
    const logged = node.output.filter((l) => /"level":(50|60)/.test(l) && !l.includes('did not confirm the write'));
    for (const line of logged.slice(0, 5)) problems.push(`node log: ${line.slice(0, 400)}`);
    const unavailableOps = sm.rec.errors.get('UNAVAILABLE') ?? 0;
    answered.unavailable += unavailableOps;
    expect(
      problems,
      answered.unavailable === 0,
      `${answered.unavailable} writes answered UNAVAILABLE after their commit`,
    );
    expect(problems, !node.exited, 'the node process ended');
    expect(
      problems,
      t.lost === 0 && t.duplicated === 0 && t.reordered === 0 && t.refused === 0,
      'lost, duplicated, reordered or refused ops',
    );
    const sorted = [...lags].sort((a, b) => a - b);
    return {
      scenario: 'lost commit reply',
      injected: `${proxy.lost} commit replies thrown away after PostgreSQL committed (connection dropped)`,
      load: `1 SM at 10 ops/s, 1 crew; ${opts.rounds} rounds over ${KINDS.length} kinds of write`,
      sent: t.sent,
      lost: t.lost,
      duplicated: t.duplicated,
      reordered: t.reordered,
      recoveryMs: null,
      figures: {
        'answered as committed': answered.committed,
        'answered OUTCOME_UNKNOWN': `${answered.unknown}${unknownKinds.length ? ` (${unknownKinds.join(', ')})` : ''}`,
        'answered UNAVAILABLE': answered.unavailable,
        'REST retries answered the same': retriesSame,
        'REST retries answered differently': retriesDiffer,
        'rows doubled by import retries': rowsDoubled,
        'delivery after the answer p50 / max': `${r0(sorted[Math.floor(sorted.length / 2)] ?? NaN)} / ${r0(sorted.at(-1) ?? NaN)} ms`,
        'node exits': node.exited ? 1 : 0,
      },
      problems,
      durationMs: performance.now() - started,
    };
  } finally {
    for (const c of clients) c.close();
    await node?.kill('SIGKILL');
    await proxy.close();
    await checker.close();
    await db.drop();
  }
}
