/**
 * The comparison point: a plain `ws` broadcast loop, run as the bench's server child. It speaks
 * just enough of the Cuebe protocol for the same load generator to drive it — hello → welcome +
 * snapshot, op → ack + `changes` to everyone in the room — with frames of the same shape and size
 * as Cuebe's. What it leaves out is the point of the comparison: no authentication, validation,
 * persistence, versioned log, per-view filtering or limits. One JSON.stringify per op, then
 * ws.send in a loop.
 */
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { isRecord, parseFrame, readString } from './wire';

interface Room {
  version: number;
  sockets: Set<WebSocket>;
  elements: Map<string, Record<string, unknown>>;
}

const rooms = new Map<string, Room>();
const http = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({
  noServer: true,
  maxPayload: 64 * 1024,
  perMessageDeflate: false,
  clientTracking: false,
});

function room(id: string): Room {
  let r = rooms.get(id);
  if (!r) {
    r = { version: 0, sockets: new Set(), elements: new Map() };
    rooms.set(id, r);
  }
  return r;
}

/** Shaped like a Cuebe element (the SHOW START note), so frames weigh the same. */
function element(id: string): Record<string, unknown> {
  return {
    id,
    type: 'NOTE',
    name: 'SHOW START',
    notes: '',
    departmentId: null,
    priority: 'NORMAL',
    offsetMs: 0,
    durationMs: null,
    location: '',
    colour: null,
    parentId: null,
    orderKey: 'a0',
  };
}

function onOp(r: Room, ws: WebSocket, msg: Record<string, unknown>): void {
  const op = msg.op;
  const opId = readString(msg, 'opId');
  if (!isRecord(op) || !opId || typeof op.id !== 'string' || !isRecord(op.fields)) return;
  const before = r.elements.get(op.id) ?? element(op.id);
  const after = { ...before, ...op.fields };
  r.elements.set(op.id, after);
  r.version++;
  ws.send(
    JSON.stringify({
      type: 'ack',
      opId,
      version: r.version,
      prev: { elements: { [op.id]: before } },
      duplicate: false,
    }),
  );
  const frame = JSON.stringify({
    type: 'changes',
    changes: [
      {
        version: r.version,
        opId: null,
        actor: { kind: 'sm', name: 'Bench SM' },
        at: new Date().toISOString(),
        kind: 'update',
        patch: { upserts: [after], deletes: [] },
      },
    ],
  });
  for (const s of r.sockets) s.send(frame);
}

http.on('upgrade', (req, socket, head) => {
  const m = /^\/ws\/script\/([0-9a-f-]{36})$/.exec(req.url ?? '');
  if (!m) return socket.destroy();
  const scriptId = m[1]!;
  wss.handleUpgrade(req, socket, head, (ws) => {
    const r = room(scriptId);
    let joined = false;
    ws.on('message', (data) => {
      const msg = parseFrame(data);
      if (!msg) return;
      if (msg.type === 'hello' && !joined) {
        joined = true;
        r.sockets.add(ws);
        const role = typeof msg.token === 'string' ? 'crew' : 'sm';
        ws.send(
          JSON.stringify({
            type: 'welcome',
            protocol: 1,
            role,
            version: r.version,
            connectionId: randomUUID(),
            name: role === 'sm' ? 'Bench SM' : 'Crew',
            serverTime: Date.now(),
          }),
        );
        ws.send(JSON.stringify({ type: 'snapshot', version: r.version, elements: [...r.elements.values()] }));
      } else if (msg.type === 'op' && joined) onOp(r, ws, msg);
    });
    ws.on('close', () => r.sockets.delete(ws));
  });
});

http.listen(0, '127.0.0.1', () => {
  const addr = http.address();
  if (!addr || typeof addr === 'string') throw new Error('baseline did not listen');
  process.send?.({ type: 'bench:listening', url: `http://127.0.0.1:${addr.port}` });
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
