/**
 * Scenario 8 — fuzzing. Hostile frames from unauthenticated, crew and SM sockets, and malformed
 * handshakes. The server never crashes, answers every frame with one error (or pong) or closes
 * with the expected code, and the database is byte-for-byte unchanged (a hash before and after).
 */
import WebSocket from 'ws';
import { z } from 'zod';
import { PROTOCOL_VERSION } from '@cuebe/protocol';
import { Checker } from '../checker';
import { authedFrame, helloFrame, type FuzzContext, type FuzzFrame } from '../fuzz-frames';
import { rawRequest, upgradeRequest } from '../handshakes';
import { startNode, type ServerNode } from '../node';
import { expect, type ScenarioResult } from '../result';
import { freshDatabase } from '../services';
import { makeCrew, makeScript, makeStage, call, cueElement, type Stage } from '../stage';
import { seeded } from '../wait';

export const HASHED_TABLES = [
  'users',
  'sessions',
  'shows',
  'departments',
  'scripts',
  'elements',
  'ops',
  'crew',
  'settings',
  'playback',
  'show_events',
  'performances',
];

const Type = z.object({ type: z.string() });

interface SocketRun {
  answered: number;
  expected: number;
  close: { code: number; reason: string } | null;
  wantClose: number | null;
}

function open(base: string, scriptId: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/script/${scriptId}`, {
      headers,
      perMessageDeflate: false,
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** One socket: hello, then the frames, then wait for every answer (or the close). */
async function runSocket(
  base: string,
  scriptId: string,
  who: { cookie?: string; token?: string },
  frames: FuzzFrame[],
): Promise<SocketRun> {
  const headers: Record<string, string> = { origin: base };
  if (who.cookie) headers.cookie = who.cookie;
  const ws = await open(base, scriptId, headers);
  const run: SocketRun = { answered: 0, expected: 0, close: null, wantClose: null };
  let welcomed = false;
  let wake = () => {};
  ws.on('message', (data) => {
    const t = Type.safeParse(JSON.parse(data.toString()));
    if (!t.success) return;
    if (t.data.type === 'welcome') welcomed = true;
    if (t.data.type === 'error' || t.data.type === 'pong') run.answered++;
    wake();
  });
  ws.on('close', (code, reason) => {
    run.close = { code, reason: reason.toString() };
    wake();
  });
  ws.on('error', () => {});
  const wait = async (cond: () => boolean, ms: number) => {
    const deadline = performance.now() + ms;
    while (!cond() && performance.now() < deadline)
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
  };
  ws.send(
    JSON.stringify({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      ...(who.token ? { token: who.token } : {}),
      lastVersion: null,
      deviceId: 'fuzz',
    }),
  );
  await wait(() => welcomed || run.close !== null, 10_000);
  if (!welcomed) {
    run.expected = frames.length;
    return run;
  }
  const closer = frames.find((f) => f.expect !== 'answer');
  for (const f of frames) {
    if (f === closer) continue;
    ws.send(f.data, { binary: f.binary });
    run.expected++;
  }
  await wait(() => run.close !== null || run.answered >= run.expected, 15_000);
  if (closer && run.close === null) {
    run.wantClose = Number(closer.expect);
    ws.send(closer.data, { binary: closer.binary });
  } else ws.close(1000);
  await wait(() => run.close !== null, 5_000);
  return run;
}

/** One unauthenticated socket: a bad first frame, then the close it must cause. */
async function runUnauthenticated(
  base: string,
  scriptId: string,
  f: FuzzFrame,
): Promise<{ code: number; want: number }> {
  const ws = await open(base, scriptId, {});
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.send(f.data, { binary: f.binary });
  const code = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 10_000))]);
  if (code === -1) ws.terminate();
  return { code, want: typeof f.expect === 'number' ? f.expect : -1 };
}

export async function fuzzScenario(opts: {
  frames: number;
  seed: number;
  log?: (s: string) => void;
}): Promise<ScenarioResult> {
  const started = performance.now();
  const problems: string[] = [];
  const r = seeded(opts.seed);
  const db = await freshDatabase();
  const checker = new Checker(db.url);
  let node: ServerNode | null = null;
  const kinds = new Map<string, number>();
  let sent = 0;
  let answered = 0;
  let closesAsExpected = 0;
  try {
    node = await startNode({ name: 'fuzz', databaseUrl: db.url });
    const base = node.url;
    const stage: Stage = await makeStage(base, 12);
    // Another script with elements: ops naming them must fail.
    const other = await makeScript(stage);
    const foreign = [cueElement(1, null), cueElement(2, null)];
    await call(base, 'POST', `/api/scripts/${other}/ops`, stage.cookie, {
      opId: crypto.randomUUID(),
      baseVersion: 0,
      op: { kind: 'batch', ops: foreign.map((element) => ({ kind: 'create', element })) },
    });
    const ctx: FuzzContext = { foreignIds: foreign.map((e) => e.id), ownIds: stage.cueIds };
    const crews = await Promise.all([0, 1, 2, 3].map(() => makeCrew(stage)));
    const before = await checker.hash(HASHED_TABLES);

    // Handshakes first (they must not take the server down for what follows).
    const hs = await handshakeChecks(node, stage);
    problems.push(...hs.problems);

    const unauthShare = Math.floor(opts.frames * 0.05);
    const perSocket = 150;
    let budget = opts.frames - unauthShare;
    let socketNo = 0;
    const worker = async (w: number) => {
      while (budget > 0) {
        const n = Math.min(perSocket, budget);
        budget -= n;
        const frames = Array.from({ length: n }, (_, i) => authedFrame(r, ctx, i === n - 1));
        for (const f of frames) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
        const who = w % 2 === 0 ? { cookie: stage.cookie } : { token: crews[(w >> 1) % crews.length]!.token };
        const run = await runSocket(base, stage.scriptId, who, frames);
        sent += n;
        socketNo++;
        answered += Math.min(run.answered, run.expected);
        if (run.answered < run.expected)
          problems.push(
            `socket ${socketNo}: ${run.expected - run.answered} of ${run.expected} frames unanswered (close ${run.close?.code ?? 'none'} ${run.close?.reason ?? ''})`,
          );
        if (run.wantClose !== null) {
          if (run.close?.code === run.wantClose) closesAsExpected++;
          else problems.push(`socket ${socketNo}: expected close ${run.wantClose}, got ${run.close?.code ?? 'none'}`);
        } else if (run.close && run.close.code !== 1000 && run.close.code !== 1005)
          problems.push(`socket ${socketNo}: closed ${run.close.code} ${run.close.reason}`);
        if (socketNo % 100 === 0) opts.log?.(`fuzz: ${sent} frames`);
        if (problems.length > 20) return;
      }
    };
    await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((w) => worker(w)));

    let unauth = unauthShare;
    const uworker = async () => {
      while (unauth > 0 && problems.length <= 20) {
        unauth--;
        const f = helloFrame(r);
        kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
        const res = await runUnauthenticated(base, stage.scriptId, f);
        sent++;
        if (res.code === res.want) closesAsExpected++;
        else problems.push(`unauthenticated ${f.kind}: expected close ${res.want}, got ${res.code}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, () => uworker()));

    const health = await fetch(`${base}/healthz`).then(
      (x) => x.status,
      () => 0,
    );
    expect(problems, health === 200 && !node.exited, 'the server is down after the fuzzing');
    const after = await checker.hash(HASHED_TABLES);
    expect(problems, before === after, `the database changed: ${before} → ${after}`);
    const crashes = node.output.filter((l) => /uncaught|unhandled|"level":(50|60)/i.test(l));
    expect(problems, crashes.length === 0, `the server logged: ${crashes.slice(0, 3).join(' | ')}`);
    return {
      scenario: '8 fuzzing',
      injected: `${sent} hostile frames (${kinds.size} kinds) from SM, crew and unauthenticated sockets; ${hs.count} malformed handshakes`,
      load: '8 authenticated sockets at a time (≤ 150 frames each), 16 unauthenticated',
      sent,
      lost: 0,
      duplicated: 0,
      reordered: 0,
      recoveryMs: null,
      figures: {
        'frames answered with an error or pong': answered,
        'sockets closed with the expected code': closesAsExpected,
        'database hash unchanged': before === after ? 'yes' : 'NO',
        'handshakes refused as expected': hs.ok,
      },
      problems,
      durationMs: performance.now() - started,
    };
  } finally {
    await node?.kill('SIGKILL');
    await checker.close();
    await db.drop();
  }
}

/** Malformed handshakes: each refused (an HTTP error, or a close), the server still up. */
async function handshakeChecks(
  node: ServerNode,
  stage: Stage,
): Promise<{ count: number; ok: number; problems: string[] }> {
  const problems: string[] = [];
  let ok = 0;
  const path = `/ws/script/${stage.scriptId}`;
  const many: [string, string][] = Array.from({ length: 2_000 }, (_, i) => [`X-Header-${i}`, 'a']);
  const cases: { name: string; req: string; ok: (s: number | null) => boolean }[] = [
    {
      name: '2,000 headers (CVE-2024-37890 shape)',
      req: upgradeRequest(path, many),
      ok: (s) => s === null || s === 431 || s === 400,
    },
    {
      name: '2,000 Sec-WebSocket-Extensions headers',
      req: upgradeRequest(
        path,
        many.map(([, v], i): [string, string] => ['Sec-WebSocket-Extensions', `${v}${i}`]),
      ),
      ok: (s) => s === null || s === 431 || s === 400,
    },
    {
      name: 'huge Sec-WebSocket-Protocol (64 KB)',
      req: upgradeRequest(path, { 'Sec-WebSocket-Protocol': `a,${' '.repeat(65_536)}b` }),
      ok: (s) => s === null || s === 431 || s === 400,
    },
    {
      name: 'space-padded Sec-WebSocket-Protocol (CVE-2021-32640 shape, 12 KB)',
      req: upgradeRequest(path, { 'Sec-WebSocket-Protocol': `b${' '.repeat(12_000)}x` }),
      ok: (s) => s !== null && s !== 500,
    },
    {
      name: 'bad Sec-WebSocket-Key',
      req: upgradeRequest(path).replace('dGhlIHNhbXBsZSBub25jZQ==', '!!'),
      ok: (s) => s === 400 || s === null,
    },
    {
      name: 'wrong Sec-WebSocket-Version',
      req: upgradeRequest(path).replace('Version: 13', 'Version: 99'),
      ok: (s) => s === 400 || s === 426 || s === null,
    },
    {
      name: 'upgrade on an unknown path',
      req: upgradeRequest('/ws/../../etc/passwd'),
      ok: (s) => s === 404 || s === 400 || s === null,
    },
    {
      name: 'script id that is not a UUID',
      req: upgradeRequest(`/ws/script/${'x'.repeat(5_000)}`),
      ok: (s) => s !== 500,
    },
  ];
  for (const c of cases) {
    const res = await rawRequest(node.port, c.req);
    if (c.ok(res.status)) ok++;
    else problems.push(`handshake "${c.name}": answered ${res.status}`);
  }
  // Origin checks with the SM's own cookie: no Origin, a look-alike, a foreign one, "null".
  const origins: (string | null)[] = [
    null,
    `${node.url}.evil.com`,
    'https://evil.example',
    'null',
    node.url.replace('127.0.0.1', 'localhost'),
  ];
  for (const origin of origins) {
    const headers: Record<string, string> = { cookie: stage.cookie };
    if (origin) headers.origin = origin;
    const code = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${node.url.replace(/^http/, 'ws')}${path}`, { headers });
      ws.on('error', () => resolve(-2));
      ws.on('open', () =>
        ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, lastVersion: null, deviceId: 'o' })),
      );
      ws.on('close', (c) => resolve(c));
    });
    if (code === 4003) ok++;
    else problems.push(`SM cookie with Origin ${origin ?? '(none)'}: closed ${code}, expected 4003`);
  }
  return { count: cases.length + origins.length, ok, problems };
}
