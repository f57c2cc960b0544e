/**
 * The crew's script list, live (SPEC S18): `GET /api/crew-access/events` (Authorization: Bearer
 * the share token) is a text/event-stream that says `scripts` whenever a script of the link's
 * show is shared, unshared, made shared or deleted while shared, on any node (the fan-out's
 * `sharing` message), and `access` before it ends when the link is revoked, rotated or removed.
 * The events carry nothing but their name: the page reads the list again through
 * /api/crew-access/me, where every rule of the link applies.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { LIMITS } from '@cuebe/protocol';
import type { AppContext } from '../context';
import { requireCrew } from '../auth/guard';
import { AppError } from '../errors';

/** A comment line this often keeps proxies and phones from closing an idle stream. */
const KEEP_ALIVE_MS = 25_000;

interface Watcher {
  crewId: string;
  send(event: 'scripts' | 'access'): void;
  end(): void;
}

export async function crewEventRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const byShow = new Map<string, Set<Watcher>>();
  const off = ctx.fanout.subscribe((msg) => {
    if (msg.type === 'sharing' && msg.showId) for (const w of byShow.get(msg.showId) ?? []) w.send('scripts');
    if (msg.type !== 'access') return;
    // One link ended or changed, or the whole show went: its streams end after saying so.
    const ended = (w: Watcher) => (msg.crewId ? w.crewId === msg.crewId : !msg.scriptId && !msg.userId);
    const shows = msg.crewId || !msg.showId ? [...byShow.values()] : [byShow.get(msg.showId) ?? new Set()];
    for (const set of shows)
      for (const w of set)
        if (ended(w)) {
          w.send('access');
          w.end();
        }
  });
  app.addHook('onClose', async () => {
    off();
    for (const set of byShow.values()) for (const w of set) w.end();
  });

  app.get('/api/crew-access/events', async (req, reply) => {
    const member = await requireCrew(ctx, req);
    // As many streams per link as sockets (P7): a leaked link cannot hold a node's connections.
    let open = 0;
    for (const w of byShow.get(member.showId) ?? []) if (w.crewId === member.id) open++;
    if (open >= LIMITS.maxSocketsPerCrew)
      throw new AppError(429, 'RATE_LIMITED', `at most ${LIMITS.maxSocketsPerCrew} open lists per link`);
    reply.hijack();
    const res: ServerResponse = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let set = byShow.get(member.showId);
    if (!set) byShow.set(member.showId, (set = new Set()));
    const watchers = set;
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    // The link's own expiry ends the stream too; the page then finds the link expired. (A timer
    // cannot wait past 2³¹ ms; a stream that old has long been cut by the network anyway.)
    const left = member.expiresAt.getTime() - Date.now();
    const expiry = left < 2 ** 31 - 1 ? setTimeout(() => watcher.end(), Math.max(0, left)) : undefined;
    const watcher: Watcher = {
      crewId: member.id,
      send: (event) => res.write(`event: ${event}\ndata: {}\n\n`),
      end: () => res.end(),
    };
    watchers.add(watcher);
    res.on('close', () => {
      clearInterval(keepAlive);
      clearTimeout(expiry);
      watchers.delete(watcher);
      if (watchers.size === 0) byShow.delete(member.showId);
    });
    res.write(': live\n\n');
  });
}
