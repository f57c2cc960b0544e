/**
 * A Cuebe node as a real process: `node --import tsx packages/server/src/main.ts`, tsx loaded
 * into the node process itself so SIGKILL kills the server and nothing else stands in between.
 * Everything it prints is kept (the security scenario greps it for secrets).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './services';
import { until } from './wait';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface NodeOptions {
  name: string;
  databaseUrl: string;
  redisUrl?: string;
  port?: number;
  logLevel?: string;
  env?: Record<string, string>;
  /**
   * This node's clock off by this many ms, and each SIGUSR2 stepping its wall clock by
   * `clockStepMs` (the server tests' skew-clock.mjs, loaded into the process).
   */
  clockSkewMs?: number;
  clockStepMs?: number;
}

export interface ServerNode {
  name: string;
  port: number;
  url: string;
  pid: number;
  /** Every line it printed (stdout and stderr). */
  output: string[];
  exited: boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startNode(opts: NodeOptions): Promise<ServerNode> {
  const port = opts.port ?? (await freePort());
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ID: opts.name,
    DATABASE_URL: opts.databaseUrl,
    SEED_DEMO: 'false',
    LOG_LEVEL: opts.logLevel ?? 'warn',
    ...opts.env,
  };
  if (opts.redisUrl) env.REDIS_URL = opts.redisUrl;
  else delete env.REDIS_URL;
  const args = ['--import', 'tsx'];
  if (opts.clockSkewMs || opts.clockStepMs) {
    args.push('--import', './packages/server/test/skew-clock.mjs');
    env.CUEBE_TEST_CLOCK_SKEW_MS = String(opts.clockSkewMs ?? 0);
    env.CUEBE_TEST_CLOCK_STEP_MS = String(opts.clockStepMs ?? 0);
  }
  args.push('packages/server/src/main.ts');
  const proc: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let partial = '';
  const onData = (b: Buffer) => {
    const lines = (partial + String(b)).split('\n');
    partial = lines.pop() ?? '';
    output.push(...lines);
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const url = `http://127.0.0.1:${port}`;
  const node: ServerNode = {
    name: opts.name,
    port,
    url,
    pid: proc.pid ?? -1,
    output,
    exited: false,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill(signal);
      });
    },
  };
  proc.once('exit', () => {
    node.exited = true;
    if (partial) output.push(partial);
  });
  let ready = false;
  await until(
    async () => {
      if (node.exited) return true;
      ready = await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      return ready;
    },
    30_000,
    `node ${opts.name} to be ready`,
    25,
  );
  if (!ready) throw new Error(`node ${opts.name} exited during start:\n${output.slice(-20).join('\n')}`);
  return node;
}
