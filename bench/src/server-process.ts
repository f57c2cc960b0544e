/**
 * A server under test, run as its own child process (so its CPU time and memory are its own):
 * the Cuebe server (packages/server/src/main.ts) or a baseline, with the bench hooks preloaded.
 */
import { fork } from 'node:child_process';
import { track } from './children';
import { fileURLToPath } from 'node:url';
import { HookReply, type HookRequest, type MemoryUsage } from './ipc';

export interface ServerChildOptions {
  /** Entry module of the server. */
  entry: string;
  env: Record<string, string>;
  /** How the child says where it listens: a stdout line or an IPC message. */
  listening: 'stdout' | 'ipc';
  label: string;
}

export interface ServerChild {
  readonly label: string;
  readonly pid: number;
  /** http://127.0.0.1:port */
  readonly url: string;
  /** Full GC in the child, then its memory. */
  gcAndMeasure(): Promise<MemoryUsage>;
  /** Start a CPU profile in the child. */
  profileStart(): Promise<void>;
  /** Stop it and have the child write it to `file` (.cpuprofile). */
  profileStop(file: string): Promise<void>;
  /** Last lines of the child's output, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

const hooks = fileURLToPath(new URL('./child-hooks.ts', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export async function startServerChild(opts: ServerChildOptions): Promise<ServerChild> {
  const execArgv = ['--expose-gc', '--import', 'tsx', '--import', hooks];
  const child = fork(opts.entry, [], {
    execArgv,
    env: { ...process.env, ...opts.env, CUEBE_BENCH_HOOKS: '1' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  track(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${opts.label}: could not start`);

  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(chunk.toString());
    if (tail.length > 50) tail.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const pending = new Map<number, (m: MemoryUsage) => void>();
  const done = new Map<number, (error: string | undefined) => void>();
  let nextId = 1;
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => (exited = true));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${opts.label}: not listening after ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    const listening = (u: string) => {
      clearTimeout(timer);
      resolve(u);
    };
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${opts.label} exited (${code}) before listening:\n${tail.join('')}`));
    });
    if (opts.listening === 'stdout') {
      let seen = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const m = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
        if (m) listening(m[1]!);
      });
    }
    child.on('message', (raw: unknown) => {
      const msg = HookReply.safeParse(raw);
      if (!msg.success) return;
      if (msg.data.type === 'bench:listening') listening(msg.data.url);
      else if (msg.data.type === 'bench:done') done.get(msg.data.id)?.(msg.data.error);
      else pending.get(msg.data.id)?.(msg.data.memory);
    });
  });

  const request = (msg: HookRequest) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${opts.label}: no answer to ${msg.type}`)), 30_000);
      done.set(msg.id, (error) => {
        clearTimeout(timer);
        done.delete(msg.id);
        if (error) reject(new Error(`${opts.label}: ${msg.type}: ${error}`));
        else resolve();
      });
      child.send(msg);
    });

  return {
    label: opts.label,
    profileStart: () => request({ type: 'bench:profile-start', id: nextId++ }),
    profileStop: (file) => request({ type: 'bench:profile-stop', id: nextId++, file }),
    pid,
    url,
    output: () => tail.join(''),
    gcAndMeasure: () =>
      new Promise<MemoryUsage>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => reject(new Error(`${opts.label}: no memory reply`)), 30_000);
        pending.set(id, (m) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(m);
        });
        child.send({ type: 'bench:gc', id });
      }),
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exitPromise;
      clearTimeout(killer);
    },
  };
}
