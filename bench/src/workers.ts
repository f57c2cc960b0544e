/** The load-generator processes (load-worker.ts), driven over IPC and merged into one report. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from './children';
import { Histogram } from './histogram';
import { WorkerEvent, type CrewSocketSpec, type WorkerCommand, type WorkerReport } from './ipc';

const workerMain = fileURLToPath(new URL('./load-worker.ts', import.meta.url));

export interface MergedReport extends Omit<WorkerReport, 'latency'> {
  latency: Histogram;
}

export class WorkerPool {
  private readonly listeners = new Set<(ev: WorkerEvent, from: ChildProcess) => void>();
  private nextId = 1;

  private constructor(private readonly procs: ChildProcess[]) {
    for (const p of procs) {
      p.on('message', (raw: unknown) => {
        const ev = WorkerEvent.safeParse(raw);
        if (ev.success) for (const l of this.listeners) l(ev.data, p);
      });
    }
  }

  static start(count: number): WorkerPool {
    const procs = Array.from({ length: count }, () => {
      const p = fork(workerMain, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      track(p);
      return p;
    });
    return new WorkerPool(procs);
  }

  get pids(): number[] {
    return this.procs.flatMap((p) => (p.pid === undefined ? [] : [p.pid]));
  }

  /** Each worker gets every k-th socket, so each holds a share of every script's crew. */
  async connect(wsBase: string, protocol: number, sockets: CrewSocketSpec[], timeoutMs: number) {
    const n = this.procs.length;
    const results = await this.all(
      (p, i) => {
        const cmd: WorkerCommand = {
          type: 'connect',
          wsBase,
          protocol,
          sockets: sockets.filter((_, k) => k % n === i),
          concurrency: 50,
        };
        p.send(cmd);
      },
      (ev) => (ev.type === 'connected' ? ev : null),
      timeoutMs,
    );
    return {
      ok: results.reduce((a, r) => a + r.ok, 0),
      failed: results.reduce((a, r) => a + r.failed, 0),
      errors: results.flatMap((r) => r.errors),
    };
  }

  async report(finalVersions: Record<string, number>): Promise<MergedReport> {
    const id = this.nextId++;
    const reports = await this.all(
      (p) => p.send({ type: 'report', id, finalVersions } satisfies WorkerCommand),
      (ev) => (ev.type === 'report' && ev.id === id ? ev.report : null),
      30_000,
    );
    const latency = new Histogram();
    const merged: MergedReport = {
      measured: 0,
      received: 0,
      expected: 0,
      lost: 0,
      duplicates: 0,
      outOfOrder: 0,
      unexpectedCloses: 0,
      closeReasons: {},
      errors: [],
      bytesReceived: 0,
      framesReceived: 0,
      latency,
    };
    for (const r of reports) {
      merged.measured += r.measured;
      merged.received += r.received;
      merged.expected += r.expected;
      merged.lost += r.lost;
      merged.duplicates += r.duplicates;
      merged.outOfOrder += r.outOfOrder;
      merged.unexpectedCloses += r.unexpectedCloses;
      merged.bytesReceived += r.bytesReceived;
      merged.framesReceived += r.framesReceived;
      merged.errors.push(...r.errors);
      for (const [k, v] of Object.entries(r.closeReasons)) merged.closeReasons[k] = (merged.closeReasons[k] ?? 0) + v;
      latency.merge(r.latency);
    }
    return merged;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            const killer = setTimeout(() => p.kill('SIGKILL'), 10_000);
            p.once('exit', () => {
              clearTimeout(killer);
              resolve();
            });
            p.send({ type: 'close' } satisfies WorkerCommand);
          }),
      ),
    );
  }

  /** Send something to every worker and collect one matching answer from each. */
  private all<T>(
    ask: (p: ChildProcess, i: number) => void,
    match: (ev: WorkerEvent) => T | null,
    timeoutMs: number,
  ): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const got = new Map<ChildProcess, T>();
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`load workers did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (ev: WorkerEvent, from: ChildProcess) => {
        const v = match(ev);
        if (v === null) return;
        got.set(from, v);
        if (got.size === this.procs.length) {
          clearTimeout(timer);
          this.listeners.delete(listener);
          resolve(this.procs.map((p) => got.get(p)!));
        }
      };
      this.listeners.add(listener);
      this.procs.forEach((p, i) => ask(p, i));
    });
  }
}
