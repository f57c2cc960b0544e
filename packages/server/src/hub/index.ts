/**
 * The socket hub on Fastify: /ws/script/:scriptId. A thin adapter — the protocol lives in
 * Connection, delivery in Room. The message listener is attached synchronously in the handler,
 * before anything awaits, so frames that arrive during the handshake are queued, never lost.
 *
 * Map of the hub (docs/PROTOCOL.md for the wire, docs/SPEC.md for the rules):
 *   hub.ts         this node's rooms and connections; fan-out in (entries, access changes); caps
 *   connection.ts  one socket's protocol: handshake, rate limit, ops (commit → ack → publish)
 *   room.ts        one script's sockets by view: ordered delivery, gap refill, catch-up, presence,
 *                  broadcast() for non-versioned messages (playback, cue lights)
 *   catchup.ts     coalesced catch-up reads;  encode.ts  per-view wire forms;  presence.ts
 *   auth.ts        SM cookie + Origin, crew token;  identity.ts  who a socket is;  member.ts
 *   outgoing.ts    HubSocket (what a room needs from a socket) and pre-encoded messages
 *   ws-socket.ts   HubSocket over ws, with pre-framed sends and the heartbeat
 */
import type { FastifyInstance } from 'fastify';
import type WebSocket from 'ws';
import { readCookie, SESSION_COOKIE } from '../auth/sessions';
import type { AppContext } from '../context';
import { allowedOrigins, originAllowed } from '../http/origin';
import { Connection } from './connection';
import { defaultHubOptions, Hub, type HubOptions } from './hub';
import { WsSocket } from './ws-socket';
import { deviceLabel } from './device-label';

const hubs = new WeakMap<FastifyInstance, Hub>();

/** The hub of a built app (tests and metrics reach it here). */
export function hubOf(app: FastifyInstance): Hub {
  const hub = hubs.get(app);
  if (!hub) throw new Error('no hub registered on this app');
  return hub;
}

export async function registerHub(app: FastifyInstance, ctx: AppContext, options?: Partial<HubOptions>): Promise<void> {
  const hub = new Hub(ctx, { ...defaultHubOptions(), heartbeatMs: ctx.config.heartbeatMs, ...options });
  hubs.set(app, hub);
  const origins = allowedOrigins(ctx.config);

  app.get<{ Params: { scriptId: string } }>('/ws/script/:scriptId', { websocket: true }, (socket, req) => {
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    const originOk = originAllowed(req.raw, origins) === true;
    const ws = new WsSocket(socket);
    const conn = new Connection(
      hub,
      ws,
      String(req.params.scriptId),
      { sessionToken: originOk ? cookie : undefined, cookieIgnored: cookie !== undefined && !originOk },
      deviceLabel(req.headers['user-agent']),
    );
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      ws.markAlive();
      conn.onFrame(toBuffer(data), isBinary);
    });
    socket.on('close', () => conn.onClosed());
  });

  app.addHook('preClose', async () => {
    await hub.close();
  });
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
