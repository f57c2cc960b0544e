/**
 * Scenario 5 — bad networks. Every client (the real SyncClient: one SM, eight crew) reaches the
 * node through a proxy that delays every chunk by 200 ms ± 50 ms each way (order kept), drops a
 * random connection every 1.5 s and, once, stalls every connection's downstream for 5 s (the
 * server's frames stop arriving; the clients' heartbeats notice). The SM plays the show and
 * keeps editing. Checked: every client converges on the database (nothing lost, doubled or
 * reordered), and each client's show clock against the server's reference clock as read by a
 * probe on a direct loopback socket (round trip well under a millisecond). The contract for any
 * network (docs/LIVE.md) is checked: the error stays within the bound the client reports, and a
 * device whose error passes 10 ms reports a bound over 10 ms (the SM's board flags it). The
 * 20 ms agreement LIVE.md measured on links of 0.3–12 ms is published beside it, not checked:
 * on a 200 ms ± 50 ms link the error is half the asymmetry of the fastest delays each way.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { z } from 'zod';
import { PROTOCOL_VERSION, showTimeAt } from '@cuebe/protocol';
import { ChaosClient } from '../clients';
import { Checker, converge, tally } from '../checker';
import { startNode, type ServerNode } from '../node';
import { ChaosProxy } from '../proxy';
import { expect, type ScenarioResult } from '../result';
import { freshDatabase } from '../services';
import { makeCrew, makeStage, type Stage } from '../stage';
import { percentile, seeded, until } from '../wait';

export interface BadNetworkOptions {
  seed: number;
  /** How long the faults last. */
  faultMs: number;
  log?: (line: string) => void;
}

const LATENCY_MS = 200;
const JITTER_MS = 50;
const STALL_MS = 5_000;
const DROP_EVERY_MS = 1_500;
/** docs/LIVE.md: the SM's board flags a device whose error bound is over 10 ms. */
const FLAG_MS = 10;

const PongFrame = z.object({ type: z.literal('pong'), id: z.number(), t0: z.number(), t1: z.number(), t2: z.number() });

/**
 * The server's reference clock as seen from this process: pings on a direct socket, the one
 * with the fastest round trip kept. Returns the offset (server − performance.now()) and its bound.
 */
async function probeServerClock(base: string, stage: Stage): Promise<{ offset: number; errorMs: number }> {
  const token = (await makeCrew(stage, { name: 'Clock probe' })).token;
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/script/${stage.scriptId}`, {
    headers: { origin: base },
    perMessageDeflate: false,
  });
  try {
    const samples: { offset: number; rtt: number }[] = [];
    let welcomed = false;
    ws.on('message', (data: Buffer) => {
      const t3 = performance.now();
      const text = data.toString();
      if (text.startsWith('{"type":"welcome"')) welcomed = true;
      if (!text.startsWith('{"type":"pong"')) return;
      const p = PongFrame.parse(JSON.parse(text));
      samples.push({ offset: (p.t1 - p.t0 + (p.t2 - t3)) / 2, rtt: t3 - p.t0 - (p.t2 - p.t1) });
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(
      JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token, lastVersion: null, deviceId: randomUUID() }),
    );
    await until(() => welcomed, 10_000, 'the clock probe welcomed');
    for (let i = 0; i < 30; i++) {
      const n = samples.length;
      ws.send(JSON.stringify({ type: 'ping', id: i, t0: performance.now() }));
      await until(() => samples.length > n, 5_000, 'a pong', 1);
      await new Promise((r) => setTimeout(r, 20));
    }
    const best = samples.reduce((a, b) => (b.rtt < a.rtt ? b : a));
    return { offset: best.offset, errorMs: best.rtt / 2 };
  } finally {
    ws.terminate();
  }
}

export async function badNetworkScenario(opts: BadNetworkOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const rand = seeded(opts.seed);
  const problems: string[] = [];
  const db = await freshDatabase();
  const checker = new Checker(db.url);
  let node: ServerNode | null = null;
  let proxy: ChaosProxy | null = null;
  const clients: ChaosClient[] = [];
  let editTimer: NodeJS.Timeout | null = null;
  let dropTimer: NodeJS.Timeout | null = null;
  try {
    node = await startNode({ name: 'bad-network', databaseUrl: db.url });
    const base = node.url;
    proxy = new ChaosProxy({ host: '127.0.0.1', port: node.port });
    await proxy.listen();
    const via = proxy.url;
    const stage = await makeStage(base, 20);
    // Heartbeats shorter than the web app's 25 s so a 5 s stall is noticed within the run.
    const net = {
      heartbeatMs: 2_000,
      pingTimeoutMs: 3_000,
      backoff: { baseMs: 500, capMs: 5_000 },
      retryBackoff: { baseMs: 250, capMs: 5_000 },
    };
    const sm = new ChaosClient(() => via, stage.scriptId, { cookie: stage.cookie }, net).start();
    const links = await Promise.all(Array.from({ length: 4 }, () => makeCrew(stage)));
    const crew = Array.from({ length: 8 }, (_, i) =>
      new ChaosClient(() => via, stage.scriptId, { token: links[i % links.length]!.token }, net).start(),
    );
    clients.push(sm, ...crew);
    proxy.setLatency(LATENCY_MS, JITTER_MS, rand);
    await until(() => clients.every((c) => c.snap.status === 'live'), 20_000, 'clients live through the proxy');
    await sm.client.command({ kind: 'play' });

    let k = 0;
    editTimer = setInterval(() => {
      k++;
      sm.submit({ kind: 'update', id: stage.cueIds[k % stage.cueIds.length]!, fields: { notes: `bad net ${k}` } });
    }, 200);
    let drops = 0;
    dropTimer = setInterval(() => {
      if (proxy?.dropOne(rand())) drops++;
    }, DROP_EVERY_MS);
    const faultsFrom = performance.now();
    const at = (ms: number) => until(() => performance.now() - faultsFrom >= ms, ms + 5_000, `t+${ms} ms`, 20);
    const stallAt = Math.max(0, (opts.faultMs - STALL_MS) / 2);
    await at(stallAt);
    proxy.stallDownstream(true);
    await at(stallAt + STALL_MS);
    proxy.stallDownstream(false);
    await at(opts.faultMs);
    clearInterval(dropTimer);
    dropTimer = null;
    clearInterval(editTimer);
    editTimer = null;
    const faultsEnd = performance.now();
    opts.log?.(`bad-network: faults over (${drops} drops, one ${STALL_MS / 1000} s stall); converging`);

    // The network stays slow (200 ms ± 50 ms): convergence happens through it.
    const c = await converge(checker, stage.scriptId, clients, 30_000, 50);
    const recoveryMs = performance.now() - faultsEnd;
    for (const a of c.ahead) problems.push(`persist before broadcast broken: ${a}`);
    if (!c.ok) problems.push(`not converged within 30 s: ${c.seen}`);
    const t = tally(c.state, [sm], clients);
    problems.push(...t.problems);
    expect(
      problems,
      t.lost + t.duplicated + t.reordered + t.gaps + t.refused === 0,
      'lost, duplicated, reordered, gaps or refused',
    );

    // Clocks: every client synced (a full burst since its last reconnect), then 3 s of readings.
    await until(() => clients.every((x) => x.client.syncQuality().synced), 20_000, 'every clock synced').catch(
      (e: Error) => problems.push(e.message),
    );
    const truth = await probeServerClock(base, stage);
    const errors: number[] = [];
    const bounds: number[] = [];
    const showErrors: number[] = [];
    let outsideBound = 0;
    let unflagged = 0;
    let spread = 0;
    for (let i = 0; i < 30; i++) {
      const now = performance.now();
      const serverNow = now + truth.offset;
      const state = sm.snap.playback;
      const shows: number[] = [];
      for (const x of clients) {
        const est = x.client.serverNow();
        const q = x.client.syncQuality();
        if (est === null || q.errorMs === null) continue;
        const err = est - serverNow;
        errors.push(Math.abs(err));
        bounds.push(q.errorMs);
        if (Math.abs(err) > q.errorMs + truth.errorMs) outsideBound++;
        if (Math.abs(err) > FLAG_MS + truth.errorMs && q.errorMs <= FLAG_MS) unflagged++;
        const show = x.client.showTime();
        if (show !== null && state) {
          shows.push(show);
          showErrors.push(Math.abs(show - showTimeAt(state, serverNow)));
        }
      }
      if (shows.length) spread = Math.max(spread, Math.max(...shows) - Math.min(...shows));
      await new Promise((r) => setTimeout(r, 100));
    }
    const worst = errors.length ? Math.max(...errors) : NaN;
    const worstShow = showErrors.length ? Math.max(...showErrors) : NaN;
    expect(
      problems,
      errors.length === 30 * clients.length,
      `${errors.length} clock readings of ${30 * clients.length}`,
    );
    expect(
      problems,
      showErrors.length === 30 * clients.length,
      `${showErrors.length} show-time readings of ${30 * clients.length}`,
    );
    expect(problems, outsideBound === 0, `${outsideBound} clock readings outside the client's own error bound`);
    expect(
      problems,
      unflagged === 0,
      `${unflagged} readings over ${FLAG_MS} ms off with a bound the board would not flag`,
    );
    const closes = new Map<number, number>();
    for (const x of clients) for (const cl of x.rec.closes) closes.set(cl.code, (closes.get(cl.code) ?? 0) + 1);
    return {
      scenario: '5 bad networks',
      injected: `proxy: ${LATENCY_MS} ms ± ${JITTER_MS} ms each way, a connection dropped every ${DROP_EVERY_MS / 1000} s, every downstream stalled ${STALL_MS / 1000} s, for ${opts.faultMs / 1000} s (seed ${opts.seed})`,
      load: '1 SM at 5 ops/s playing the show, 8 crew (SyncClient), all through the proxy',
      sent: t.sent,
      lost: t.lost,
      duplicated: t.duplicated,
      reordered: t.reordered,
      recoveryMs,
      figures: {
        'connections dropped': drops,
        'client socket closes': [...closes].map(([code, n]) => `${code} ×${n}`).join(', ') || 'none',
        sockets: clients.reduce((n, x) => n + x.rec.sockets, 0),
        'probe bound on the reference clock': `${truth.errorMs.toFixed(2)} ms`,
        'clock error |estimate − reference| p50 / max': `${percentile(errors, 50).toFixed(1)} / ${worst.toFixed(1)} ms`,
        'reported error bound p50 / max': `${percentile(bounds, 50).toFixed(0)} / ${Math.max(...bounds).toFixed(0)} ms`,
        'show time error p50 / max': `${percentile(showErrors, 50).toFixed(1)} / ${worstShow.toFixed(1)} ms`,
        'show times spread across devices (max)': `${spread.toFixed(1)} ms`,
        'readings outside the reported bound': outsideBound,
        'readings over 10 ms off and not flagged': unflagged,
      },
      problems,
      durationMs: performance.now() - started,
    };
  } finally {
    if (editTimer) clearInterval(editTimer);
    if (dropTimer) clearInterval(dropTimer);
    for (const c of clients) c.close();
    await proxy?.close();
    await node?.kill('SIGKILL');
    await checker.close();
    await db.drop();
  }
}
