/**
 * A TCP proxy for clock tests: every chunk waits a seeded random one-way delay, drawn per
 * direction (uniform in latency ± jitter), and never overtakes the chunk before it (a TCP stream
 * keeps its order, so a late segment holds back the ones behind it, as on a real link).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface PathDelay {
  latencyMs: number;
  jitterMs: number;
}

interface Lane {
  queue: { at: number; chunk: Buffer }[];
  timer: NodeJS.Timeout | null;
  last: number;
}

export class DelayProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly target: { host: string; port: number },
    /** Client → server and server → client. */
    private readonly path: { up: PathDelay; down: PathDelay },
    private readonly random: () => number,
  ) {}

  async listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    this.server = server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    const upstream = connect(this.target.port, this.target.host);
    upstream.setNoDelay(true);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    const up: Lane = { queue: [], timer: null, last: 0 };
    const down: Lane = { queue: [], timer: null, last: 0 };
    client.on('data', (chunk) => this.forward(up, this.path.up, chunk, upstream));
    upstream.on('data', (chunk) => this.forward(down, this.path.down, chunk, client));
  }

  private forward(l: Lane, d: PathDelay, chunk: Buffer, to: Socket): void {
    const delay = Math.max(0, d.latencyMs + (this.random() * 2 - 1) * d.jitterMs);
    l.last = Math.max(performance.now() + delay, l.last);
    l.queue.push({ at: l.last, chunk });
    if (!l.timer) this.release(l, to);
  }

  /** One timer per lane, releasing in arrival order (a timer per chunk could fire out of order). */
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
}

/** Seeded uniform [0, 1) (mulberry32), so a run replays. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
