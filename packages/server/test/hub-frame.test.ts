/** The pre-framed send path (ws-socket.ts) as a real ws client reads it, at every length class. */
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { Outgoing } from '../src/hub/outgoing';
import { WsSocket } from '../src/hub/ws-socket';

describe('S12 pre-framed sends', () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  afterAll(() => new Promise<void>((r) => wss.close(() => r())));

  it('frames of 7-bit, 16-bit and 64-bit lengths arrive intact and in order, shared by two sockets', async () => {
    await new Promise((r) => (wss.address() ? r(null) : wss.once('listening', r)));
    const { port } = wss.address() as { port: number };
    const server: WebSocket[] = [];
    wss.on('connection', (ws) => server.push(ws));
    const clients = [new WebSocket(`ws://127.0.0.1:${port}`), new WebSocket(`ws://127.0.0.1:${port}`)];
    const got = clients.map(() => [] as string[]);
    clients.forEach((c, i) => c.on('message', (d, binary) => got[i]!.push((binary ? 'BINARY:' : '') + String(d))));
    await Promise.all(clients.map((c) => new Promise((r) => c.once('open', r))));
    await expect.poll(() => server.length).toBe(2);
    const bodies = [10, 125, 126, 1000, 65_535, 65_536, 200_000].map((n) => JSON.stringify({ s: 'x'.repeat(n) }));
    const sockets = server.map((ws) => new WsSocket(ws));
    for (const body of bodies) {
      const out = new Outgoing(Buffer.from(body));
      for (const s of sockets) s.send(out);
      expect(out.frame).toBeDefined();
    }
    await expect.poll(() => got.map((g) => g.length)).toEqual([bodies.length, bodies.length]);
    for (const g of got) expect(g).toEqual(bodies);
    for (const c of clients) c.close();
  });
});
