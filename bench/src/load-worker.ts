/**
 * A load-generator process: opens crew sockets (hello with the share token, then welcome and
 * snapshot), then checks every `changes` frame — exactly once, in version order — and records
 * edit→delivery latency from the send time the SM wrote into the element's notes. Runs as a
 * child of run.ts; several run side by side when one event loop cannot keep up.
 */
import WebSocket from 'ws';
import { nowUs } from './clock';
import { Histogram } from './histogram';
import { WorkerCommand, type CrewSocketSpec, type WorkerEvent, type WorkerReport } from './ipc';
import { VersionTracker } from './versions';
import { parseFrame, readBenchNote, readChanges, readNumber, readString, scanSingleChange } from './wire';

interface Crew {
  spec: CrewSocketSpec;
  ws: WebSocket;
  tracker: VersionTracker | null;
}

const SOCKET_READY_TIMEOUT_MS = 30_000;
const crews: Crew[] = [];
const latency = new Histogram();
const errors: string[] = [];
const closeReasons: Record<string, number> = {};
let measured = 0;
let unexpectedCloses = 0;
let bytesReceived = 0;
let framesReceived = 0;
let closing = false;

function send(ev: WorkerEvent): void {
  process.send?.(ev);
}

function note(err: string): void {
  if (errors.length < 20) errors.push(err);
}

function onFrame(crew: Crew, data: WebSocket.RawData, t: number): void {
  framesReceived++;
  const single = Buffer.isBuffer(data) ? scanSingleChange(data) : null;
  bytesReceived += Buffer.isBuffer(data) ? data.length : 0;
  const msg = single ? null : parseFrame(data);
  if (!single && !msg) return note('unparseable frame');
  const changes = single ? [single] : msg && readChanges(msg);
  if (changes && crew.tracker) {
    for (const c of changes) {
      const r = crew.tracker.accept(c.version);
      if (r === 'duplicate' || c.notes === null) continue;
      const n = readBenchNote(c.notes);
      if (n?.phase === 'm') {
        measured++;
        latency.add(t - n.sentUs);
      }
    }
  } else if (msg?.type === 'error') note(`server error: ${readString(msg, 'code')} ${readString(msg, 'message')}`);
}

/** Open one socket and resolve once welcome and snapshot have arrived. */
function open(wsBase: string, protocol: number, spec: CrewSocketSpec): Promise<Crew> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${spec.wsBase ?? wsBase}/ws/script/${spec.scriptId}`, { perMessageDeflate: false });
    const crew: Crew = { spec, ws, tracker: null };
    let welcomeVersion: number | null = null;
    let ready = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no welcome+snapshot in time'));
    }, SOCKET_READY_TIMEOUT_MS);
    ws.on('open', () => {
      ws.send(
        JSON.stringify({ type: 'hello', protocol, token: spec.token, lastVersion: null, deviceId: spec.deviceId }),
      );
    });
    ws.on('message', (data) => {
      const t = nowUs();
      if (ready) return onFrame(crew, data, t);
      const msg = parseFrame(data);
      if (!msg) return;
      if (msg.type === 'welcome') welcomeVersion = readNumber(msg, 'version');
      else if (msg.type === 'snapshot') {
        const v = readNumber(msg, 'version') ?? welcomeVersion;
        if (v === null) return reject(new Error('snapshot without version'));
        crew.tracker = new VersionTracker(v);
        ready = true;
        clearTimeout(timer);
        resolve(crew);
      } else if (msg?.type === 'error') note(`server error: ${readString(msg, 'code')} ${readString(msg, 'message')}`);
    });
    ws.on('error', (err) => note(`socket error: ${err.message}`));
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      if (!ready) return reject(new Error(`closed before ready: ${code} ${reason.toString()}`));
      if (closing) return;
      unexpectedCloses++;
      const key = `${code} ${reason.toString()}`.trim();
      closeReasons[key] = (closeReasons[key] ?? 0) + 1;
    });
  });
}

async function connectAll(cmd: Extract<WorkerCommand, { type: 'connect' }>): Promise<void> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const failures: string[] = [];
  const lane = async () => {
    while (next < cmd.sockets.length) {
      const spec = cmd.sockets[next++]!;
      try {
        crews.push(await open(cmd.wsBase, cmd.protocol, spec));
        ok++;
      } catch (err) {
        failed++;
        if (failures.length < 5) failures.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: cmd.concurrency }, lane));
  const startVersions: Record<string, number> = {};
  for (const c of crews) if (c.tracker) startVersions[c.spec.scriptId] = c.tracker.start;
  send({ type: 'connected', ok, failed, errors: failures, startVersions });
}

function report(finalVersions: Record<string, number>): WorkerReport {
  let received = 0;
  let expected = 0;
  let lost = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  for (const c of crews) {
    const t = c.tracker;
    if (!t) continue;
    const final = finalVersions[c.spec.scriptId] ?? t.last;
    received += t.received;
    expected += final - t.start;
    lost += t.lost(final);
    duplicates += t.duplicates;
    outOfOrder += t.outOfOrder;
  }
  return {
    measured,
    received,
    expected,
    lost,
    duplicates,
    outOfOrder,
    unexpectedCloses,
    closeReasons,
    errors,
    bytesReceived,
    framesReceived,
    latency: latency.toData(),
  };
}

async function closeAll(): Promise<void> {
  closing = true;
  const closed = crews.map(
    (c) =>
      new Promise<void>((resolve) => {
        if (c.ws.readyState === WebSocket.CLOSED) return resolve();
        c.ws.once('close', () => resolve());
        c.ws.close(1000);
      }),
  );
  const limit = new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref());
  await Promise.race([Promise.all(closed), limit]);
  process.exit(0);
}

process.on('message', (raw: unknown) => {
  const cmd = WorkerCommand.safeParse(raw);
  if (!cmd.success) return note('bad command from the bench');
  const c = cmd.data;
  if (c.type === 'connect') void connectAll(c);
  else if (c.type === 'report') send({ type: 'report', id: c.id, report: report(c.finalVersions) });
  else void closeAll();
});
// The bench is gone: nothing left to do.
process.on('disconnect', () => process.exit(0));
