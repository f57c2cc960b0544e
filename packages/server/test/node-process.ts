/**
 * A Cuebe node as a real process (`node --import tsx packages/server/src/main.ts`), for
 * multi-node tests: its own port, a PostgreSQL and (optionally) a Redis, killable with any signal.
 * tsx is loaded into the node process itself (not the tsx CLI, which would put a wrapper
 * process in between), so SIGKILL kills the node and nothing survives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-server';
import { waitFor } from './wait';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const skewModule = fileURLToPath(new URL('./skew-clock.mjs', import.meta.url));

export interface NodeProcess {
  name: string;
  url: string;
  port: number;
  /** Everything it printed (for a failing test's message). */
  output: string[];
  /** How it ended (exit code or signal), or null while it runs. */
  exit(): number | NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Step its wall clock by `clockStepMs` (skew-clock.mjs), and wait until it has. */
  stepClock(): Promise<void>;
}

export interface NodeOptions {
  name: string;
  databaseUrl: string;
  /** Unset: in-process fan-out and the node's own clock (one node). */
  redisUrl?: string;
  /** Shift this node's clock (Date.now and the monotonic wall clock) by this many ms. */
  clockSkewMs?: number;
  /** Each `stepClock()` steps this node's wall clock (Date.now only) by this many ms. */
  clockStepMs?: number;
  env?: Record<string, string>;
}

export async function startNode(opts: NodeOptions): Promise<NodeProcess> {
  const port = await freePort();
  const args = ['--import', 'tsx'];
  if (opts.clockSkewMs || opts.clockStepMs) args.push('--import', skewModule);
  args.push('packages/server/src/main.ts');
  const inherited = { ...process.env };
  delete inherited.REDIS_URL;
  const proc: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...inherited,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ID: opts.name,
      DATABASE_URL: opts.databaseUrl,
      ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      CUEBE_TEST_CLOCK_SKEW_MS: String(opts.clockSkewMs ?? 0),
      CUEBE_TEST_CLOCK_STEP_MS: String(opts.clockStepMs ?? 0),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  proc.stdout?.on('data', (b: Buffer) => output.push(String(b)));
  proc.stderr?.on('data', (b: Buffer) => output.push(String(b)));
  const url = `http://127.0.0.1:${port}`;

  let ready = false;
  let exited = false;
  proc.once('exit', () => (exited = true));
  const poll = setInterval(() => {
    fetch(`${url}/readyz`).then(
      (r) => (ready = r.status === 200),
      () => {},
    );
  }, 50);
  try {
    await waitFor(() => ready || exited, 30_000, `node ${opts.name} to be ready`);
  } finally {
    clearInterval(poll);
  }
  if (!ready) throw new Error(`node ${opts.name} exited during start:\n${output.join('')}`);

  return {
    name: opts.name,
    url,
    port,
    output,
    exit: () => proc.exitCode ?? proc.signalCode,
    async stepClock() {
      const seen = output.join('').split('clock stepped').length;
      proc.kill('SIGUSR2');
      await waitFor(
        () => output.join('').split('clock stepped').length > seen,
        5_000,
        `node ${opts.name} to step its clock`,
      );
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill(signal);
      });
    },
  };
}
