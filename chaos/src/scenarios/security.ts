/**
 * Scenario 9 — security. Cross-site socket hijacking refused; crew tokens never in URLs, logs or
 * frames sent to anyone (every log line of the node and every frame every client received is
 * grepped); crew writes rejected over the socket and REST, nothing written; a revoked or
 * expired link fails on the socket within 1 s and on REST at once; login brute force limited;
 * tokens carry ≥ 128 bits; the app sends CSP (with frame-ancestors) and nosniff.
 */
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '@cuebe/protocol';
import { ChaosClient } from '../clients';
import { Checker } from '../checker';
import { startNode, type ServerNode } from '../node';
import { expect, type ScenarioResult } from '../result';
import { freshDatabase } from '../services';
import { call, makeCrew, makeStage, type Stage } from '../stage';
import { until } from '../wait';
import { HASHED_TABLES } from './fuzz';

function rawCrewSocket(stage: Stage, token: string, origin: string | null, cookie?: string) {
  const headers: Record<string, string> = {};
  if (origin) headers.origin = origin;
  if (cookie) headers.cookie = cookie;
  const ws = new WebSocket(`${stage.base.replace(/^http/, 'ws')}/ws/script/${stage.scriptId}`, { headers });
  const frames: string[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('error', () => {});
  ws.on('message', (d) => frames.push(d.toString()));
  const opened = new Promise<void>((resolve) => ws.on('open', () => resolve()));
  const hello = async () => {
    await opened;
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        ...(token ? { token } : {}),
        lastVersion: null,
        deviceId: 'sec',
      }),
    );
  };
  return { ws, frames, closed, hello };
}

export async function securityScenario(): Promise<ScenarioResult> {
  const started = performance.now();
  const problems: string[] = [];
  const figures: Record<string, string | number> = {};
  const db = await freshDatabase();
  const checker = new Checker(db.url);
  let node: ServerNode | null = null;
  const clients: ChaosClient[] = [];
  try {
    // info: every request line is logged, so the grep below has something to find if it leaks.
    node = await startNode({ name: 'security', databaseUrl: db.url, logLevel: 'info' });
    const base = node.url;
    const stage = await makeStage(base, 6);
    const links = await Promise.all([0, 1, 2].map(() => makeCrew(stage)));
    const tokens = links.map((l) => l.token);
    const sm = new ChaosClient(() => base, stage.scriptId, { cookie: stage.cookie }, { keepFrames: true }).start();
    const crews = links.map((l) =>
      new ChaosClient(() => base, stage.scriptId, { token: l.token }, { keepFrames: true }).start(),
    );
    clients.push(sm, ...crews);
    await until(() => clients.every((c) => c.snap.status === 'live'), 10_000, 'clients live');
    for (let i = 0; i < 10; i++) sm.submit({ kind: 'update', id: stage.cueIds[i % 6]!, fields: { notes: `s${i}` } });
    await until(() => sm.snap.pendingCount === 0, 10_000, 'SM edits committed');

    // Cross-site WebSocket hijacking: the SM's cookie from a foreign page.
    const hijack = rawCrewSocket(stage, '', 'https://evil.example', stage.cookie);
    await hijack.hello();
    const hj = await hijack.closed;
    expect(problems, hj.code === 4003, `foreign Origin with the SM cookie: closed ${hj.code}`);
    figures['foreign Origin + SM cookie'] = `closed ${hj.code}`;

    // Crew writes: socket and REST, nothing written.
    const before = await checker.hash(HASHED_TABLES);
    const writer = rawCrewSocket(stage, tokens[0]!, base);
    await writer.hello();
    await until(() => writer.frames.some((f) => f.includes('"type":"welcome"')), 5_000, 'crew welcome');
    for (let i = 0; i < 20; i++)
      writer.ws.send(
        JSON.stringify({
          type: 'op',
          opId: crypto.randomUUID(),
          baseVersion: 0,
          op: { kind: 'update', id: stage.cueIds[0], fields: { notes: 'crew was here' } },
        }),
      );
    await until(
      () => writer.frames.filter((f) => f.includes('"code":"FORBIDDEN"')).length === 20,
      5_000,
      '20 FORBIDDEN',
    );
    // Calling the show from a crew link: every command but `ack` is the SM's; an ack of a cue
    // not on standby is refused too. Nothing is written (playback, show log, performances).
    const calls: unknown[] = [
      { kind: 'play' },
      { kind: 'go', cueId: stage.cueIds[0] },
      { kind: 'standby', cueIds: [stage.cueIds[0]] },
      { kind: 'guards', guards: { minGoIntervalMs: 0, requireStandby: false } },
      { kind: 'nudge', crewId: crypto.randomUUID() },
      { kind: 'mark', mark: 'houseOpen' },
      { kind: 'note', text: 'crew was here' },
      { kind: 'ack', cueId: stage.cueIds[0] },
    ];
    for (const command of calls)
      writer.ws.send(JSON.stringify({ type: 'command', commandId: crypto.randomUUID(), command }));
    await until(
      () => writer.frames.filter((f) => f.includes('"type":"commandError"')).length === calls.length,
      5_000,
      `${calls.length} commandError`,
    );
    const refusedCalls = writer.frames
      .filter((f) => f.includes('"type":"commandError"'))
      .map(
        (f) =>
          (JSON.parse(f) as { code: string; reason: string | null }).reason ?? (JSON.parse(f) as { code: string }).code,
      );
    expect(
      problems,
      refusedCalls.slice(0, -1).every((r) => r === 'FORBIDDEN') && refusedCalls.at(-1) === 'NOT_ON_STANDBY',
      `crew commands answered ${refusedCalls.join(',')}`,
    );
    const bearer = { authorization: `Bearer ${tokens[0]}` };
    const restWrites = await Promise.all([
      fetch(`${base}/api/scripts/${stage.scriptId}/ops`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: JSON.stringify({
          opId: crypto.randomUUID(),
          baseVersion: 0,
          op: { kind: 'delete', ids: [stage.cueIds[0]] },
        }),
      }),
      fetch(`${base}/api/scripts/${stage.scriptId}`, {
        method: 'PATCH',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'pwned' }),
      }),
      fetch(`${base}/api/scripts/${stage.scriptId}`, { method: 'DELETE', headers: bearer }),
    ]).then((rs) => rs.map((r) => r.status));
    expect(
      problems,
      restWrites.every((s) => s === 401 || s === 403),
      `crew REST writes answered ${restWrites.join(',')}`,
    );
    expect(problems, (await checker.hash(HASHED_TABLES)) === before, 'a crew write changed the database');
    figures['crew writes refused'] =
      `20 socket ops FORBIDDEN, ${calls.length - 1} show-calling commands FORBIDDEN and an ack of a cue not on standby NOT_ON_STANDBY, REST ${restWrites.join('/')}`;
    writer.ws.close();

    // Revocation: the live socket closes within 1 s; REST and new sockets fail at once.
    const revokeAt = performance.now();
    const rv = await call(base, 'POST', `/api/crew/${links[1]!.id}/revoke`, stage.cookie, {});
    expect(problems, rv.status === 200, `revoke: ${rv.status}`);
    await until(() => crews[1]!.snap.status === 'closed', 2_000, 'the revoked socket to close').catch(() => {});
    const revokeMs = performance.now() - revokeAt;
    expect(
      problems,
      crews[1]!.snap.closeReason?.code === 1008 && revokeMs <= 1_000,
      `revoked socket: ${JSON.stringify(crews[1]!.snap.closeReason)} after ${Math.round(revokeMs)} ms`,
    );
    const restAfter = await fetch(`${base}/api/crew-access/me`, {
      headers: { authorization: `Bearer ${tokens[1]}` },
    }).then((r) => r.status);
    expect(problems, restAfter === 401 || restAfter === 403, `revoked token on REST: ${restAfter}`);
    const again = rawCrewSocket(stage, tokens[1]!, base);
    await again.hello();
    const ag = await again.closed;
    expect(problems, ag.code === 1008 || ag.code === 4003, `revoked token on a new socket: ${ag.code}`);
    figures['revoked link'] =
      `socket closed ${Math.round(revokeMs)} ms after the REST call; REST ${restAfter}; new socket ${ag.code}`;

    // Expiry of a connected link.
    const expiresAt = Date.now() + 1_500;
    await checker.query('update crew set expires_at = $1 where id = $2', [new Date(expiresAt), links[2]!.id]);
    const exp = rawCrewSocket(stage, tokens[2]!, base);
    await exp.hello();
    const ex = await exp.closed;
    const expLate = Date.now() - expiresAt;
    expect(
      problems,
      ex.code === 1008 && ex.reason === 'expired' && expLate <= 1_000,
      `expired link: ${ex.code} ${ex.reason} ${expLate} ms late`,
    );
    const expRest = await fetch(`${base}/api/crew-access/me`, {
      headers: { authorization: `Bearer ${tokens[2]}` },
    }).then((r) => r.status);
    expect(problems, expRest === 401 || expRest === 403, `expired token on REST: ${expRest}`);
    figures['expired link'] = `socket closed ${ex.code} ${ex.reason} ${expLate} ms after expiry; REST ${expRest}`;

    // Login brute force.
    const attempts: number[] = [];
    for (let i = 0; i < 10; i++)
      attempts.push(
        (await call(base, 'POST', '/api/auth/login', null, { email: stage.email, password: `wrong ${i}` })).status,
      );
    expect(problems, attempts.includes(429), `10 wrong passwords answered ${attempts.join(',')}`);
    figures['login brute force'] = `10 wrong passwords: ${attempts.join(' ')}`;

    // Token entropy: ≥ 128 bits, all distinct.
    const more = await Promise.all(Array.from({ length: 20 }, () => makeCrew(stage)));
    const all = [...tokens, ...more.map((l) => l.token)];
    const bits = Math.min(...all.map((t) => Buffer.from(t, 'base64url').length * 8));
    expect(
      problems,
      bits >= 128 && new Set(all).size === all.length,
      `crew tokens: ${bits} bits, ${new Set(all).size}/${all.length} distinct`,
    );
    const session = decodeURIComponent(stage.cookie.slice(stage.cookie.indexOf('=') + 1));
    const sessionBits = Buffer.from(session, 'base64url').length * 8;
    expect(problems, sessionBits >= 128, `session token: ${sessionBits} bits`);
    figures['token sizes'] = `crew ${bits} bits, session ${sessionBits} bits`;

    // Security headers on the app and the API.
    for (const path of ['/', '/api/auth/me']) {
      const r = await fetch(`${base}${path}`);
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(
        problems,
        /frame-ancestors 'none'/.test(csp) && /default-src 'self'/.test(csp),
        `${path}: CSP ${csp || 'missing'}`,
      );
      expect(problems, r.headers.get('x-content-type-options') === 'nosniff', `${path}: no nosniff`);
    }
    figures['security headers'] = 'CSP default-src self, frame-ancestors none, nosniff';

    // Secrets: in no log line, in no frame anyone received, in no URL.
    const secrets = [...all, session];
    const frames = clients.flatMap((c) => c.rec.frames ?? []).concat(writer.frames, hijack.frames);
    const leaksInLogs = node.output.filter((l) => secrets.some((s) => l.includes(s)));
    const leaksInFrames = frames.filter((f) => secrets.some((s) => f.includes(s)));
    expect(problems, leaksInLogs.length === 0, `${leaksInLogs.length} log lines carry a token`);
    expect(problems, leaksInFrames.length === 0, `${leaksInFrames.length} frames carry a token`);
    figures['grep for tokens'] =
      `${node.output.length} log lines, ${frames.length} frames: ${leaksInLogs.length + leaksInFrames.length} hits`;
    return {
      scenario: '9 security',
      injected:
        'hijack, crew writes, revoke and expiry, brute force, token and header checks, grep of every log line and frame',
      load: '1 SM, 3 crew, 23 links',
      sent: sm.submitted.length + 20,
      lost: 0,
      duplicated: 0,
      reordered: 0,
      recoveryMs: null,
      figures,
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
