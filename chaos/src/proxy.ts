/**
 * A TCP proxy the chaos suite controls, put between clients and a node or between a node and
 * PostgreSQL. It passes bytes through unchanged unless told otherwise: cut (refuse and reset every
 * connection), blackhole (accept and forward nothing), drop every open connection at once (a
 * venue's Wi-Fi blip), add latency and jitter per chunk (order kept), stall one direction (a
 * reader that stops reading), and retarget (a load balancer moving to a standby node).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'cut' | 'blackhole';

/**
 * Chunks waiting out their latency in one direction, released in arrival order by one timer.
 * (A timer per chunk can fire out of order: Node starts each timer from the loop's cached time,
 * so on a busy loop a later chunk's shorter timer may expire first — bytes of a TCP stream
 * swapped, whole WebSocket frames delivered out of order.)
 */
interface Lane {
  queue: { at: number; chunk: Buffer }[];
  timer: NodeJS.Timeout | null;
  last: number;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  up: Lane;
  down: Lane;
}

const lane = (): Lane => ({ queue: [], timer: null, last: 0 });

export interface ProxyStats {
  accepted: number;
  refused: number;
  open: number;
}

export class ChaosProxy {
  private server: Server | null = null;
  private readonly pairs = new Set<Pair>();
  private readonly held = new Set<Socket>();
  private mode: ProxyMode = 'pass';
  private latencyMs = 0;
  private jitterMs = 0;
  private downStalled = false;
  private rand: () => number = Math.random;
  port = 0;
  readonly stats: ProxyStats = { accepted: 0, refused: 0, open: 0 };

  constructor(private target: { host: string; port: number }) {}

  async listen(port = 0): Promise<number> {
    const server = createServer((client) => this.accept(client));
    server.maxConnections = 100_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    this.server = server;
    return this.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Where new connections go (open ones stay where they are until dropped). */
  retarget(target: { host: string; port: number }): void {
    this.target = target;
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode !== 'pass') this.dropAll();
    // Connections held by a blackhole are reset when it lifts, as a router coming back would.
    if (mode === 'pass') for (const c of [...this.held]) c.resetAndDestroy();
  }

  /** Every chunk waits latency ± jitter (uniform), never overtaking the one before it. */
  setLatency(latencyMs: number, jitterMs = 0, rand: () => number = Math.random): void {
    this.latencyMs = latencyMs;
    this.jitterMs = jitterMs;
    this.rand = rand;
  }

  /** Stop (or resume) reading from upstream: the server's writes back up, as with a client that stops reading. */
  stallDownstream(stalled: boolean): void {
    this.downStalled = stalled;
    for (const p of this.pairs) {
      if (stalled) p.upstream.pause();
      else p.upstream.resume();
    }
  }

  /** Reset every open connection (both sides see the TCP connection die, no close handshake). */
  dropAll(): number {
    const n = this.pairs.size;
    for (const p of [...this.pairs]) this.kill(p);
    return n;
  }

  /** Reset one open connection chosen by `pick` (an index in [0, 1)). */
  dropOne(pick: number): boolean {
    const list = [...this.pairs];
    const p = list[Math.floor(pick * list.length)];
    if (!p) return false;
    this.kill(p);
    return true;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.dropAll();
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    client.on('error', () => {});
    if (this.mode === 'cut') {
      this.stats.refused++;
      client.resetAndDestroy();
      return;
    }
    if (this.mode === 'blackhole') {
      // Accept and say nothing: the caller waits for its own timeout.
      this.stats.refused++;
      client.pause();
      this.held.add(client);
      client.on('close', () => this.held.delete(client));
      return;
    }
    this.stats.accepted++;
    const upstream = connect(this.target.port, this.target.host);
    upstream.setNoDelay(true);
    upstream.on('error', () => {});
    const pair: Pair = { client, upstream, up: lane(), down: lane() };
    this.pairs.add(pair);
    this.stats.open = this.pairs.size;
    if (this.downStalled) upstream.pause();
    client.on('data', (chunk) => this.forward(pair, chunk, 'up'));
    upstream.on('data', (chunk) => this.forward(pair, chunk, 'down'));
    const end = () => this.kill(pair);
    client.on('close', end);
    upstream.on('close', end);
  }

  private forward(p: Pair, chunk: Buffer, dir: 'up' | 'down'): void {
    const to = dir === 'up' ? p.upstream : p.client;
    if (this.latencyMs === 0 && this.jitterMs === 0) {
      if (!to.destroyed) to.write(chunk);
      return;
    }
    const now = performance.now();
    const delay = this.latencyMs + (this.rand() * 2 - 1) * this.jitterMs;
    const l = dir === 'up' ? p.up : p.down;
    l.last = Math.max(now + Math.max(0, delay), l.last);
    l.queue.push({ at: l.last, chunk });
    if (!l.timer) this.release(l, to);
  }

  private release(l: Lane, to: Socket): void {
    const head = l.queue[0];
    if (!head) return;
    l.timer = setTimeout(
      () => {
        l.timer = null;
        const now = performance.now();
        while (l.queue.length && l.queue[0]!.at <= now) {
          const { chunk } = l.queue.shift()!;
          if (!to.destroyed) to.write(chunk);
        }
        this.release(l, to);
      },
      Math.max(0, head.at - performance.now()),
    );
  }

  private kill(p: Pair): void {
    if (!this.pairs.delete(p)) return;
    for (const l of [p.up, p.down]) {
      if (l.timer) clearTimeout(l.timer);
      l.timer = null;
      l.queue.length = 0;
    }
    this.stats.open = this.pairs.size;
    if (!p.client.destroyed) p.client.resetAndDestroy();
    if (!p.upstream.destroyed) p.upstream.resetAndDestroy();
  }
}
