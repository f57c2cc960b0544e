#!/usr/bin/env node
// `npm run cluster [-- --nodes 3 --port 8080]`: several Cuebe nodes on one machine, on PostgreSQL
// and Redis, behind a small round-robin proxy on one port — to try scale-out locally. No sticky
// sessions: every request and every socket may land on any node. Production uses nginx or
// HAProxy instead (docs/DEPLOY.md). Ctrl+C stops everything.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const count = Number(values.nodes);
const port = Number(values.port);
if (!Number.isInteger(count) || count < 1 || count > 32) fail('--nodes must be an integer from 1 to 32');
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--port must be a port number');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cuebe';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function fail(msg) {
  console.error(`cluster: ${msg}`);
  process.exit(1);
}

/** Create the database on first use (a fresh machine has only `postgres`). */
async function ensureDatabase(url) {
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    await probe.end();
    return;
  } catch (err) {
    await probe.end().catch(() => {});
    if (err?.code !== '3D000') fail(`cannot reach PostgreSQL at ${redact(url)}: ${err.message}`);
  }
  const u = new URL(url);
  const name = u.pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) fail(`database ${name} does not exist (create it first)`);
  u.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  console.log(`  created database ${name}`);
}

async function ensureRedis(url) {
  const u = new URL(url);
  await new Promise((resolve) => {
    const s = net.connect(Number(u.port || 6379), u.hostname, () => {
      s.end();
      resolve();
    });
    s.once('error', (err) => fail(`cannot reach Redis at ${redact(url)}: ${err.message}`));
  });
}

function redact(url) {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

// ---- nodes ---------------------------------------------------------------------------------

const nodes = [];
let stopping = false;

async function startNode(i, publicUrl) {
  const nodePort = await freePort();
  const name = `node-${i}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(nodePort),
      HOST: '127.0.0.1',
      NODE_ID: name,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      PUBLIC_URL: process.env.PUBLIC_URL ?? publicUrl,
      // Only the first node seeds (they share the database; seeding checks for users first).
      SEED_DEMO: i === 1 ? (process.env.SEED_DEMO ?? 'true') : 'false',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const node = { name, port: nodePort, child, healthy: false };
  nodes.push(node);
  const prefix = (b) =>
    String(b)
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => `[${name}] ${l}`)
      .join('\n');
  child.stdout.on('data', (b) => console.log(prefix(b)));
  child.stderr.on('data', (b) => console.error(prefix(b)));
  child.on('exit', (code, signal) => {
    node.healthy = false;
    if (!stopping) console.error(`[${name}] exited (${signal ?? code}); the proxy sends its traffic elsewhere`);
  });
  const deadline = Date.now() + 60_000;
  while (!(await check(node))) {
    if (child.exitCode !== null) fail(`${name} failed to start`);
    if (Date.now() > deadline) fail(`${name} did not become ready within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return node;
}

/** Readiness: the node answers /readyz 200 (its database answers; Redis is reported, not required). */
function check(node) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: node.port, path: '/readyz', timeout: 1_000 }, (res) => {
      res.resume();
      node.healthy = res.statusCode === 200;
      resolve(node.healthy);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      node.healthy = false;
      resolve(false);
    });
  });
}

// ---- proxy ---------------------------------------------------------------------------------

let next = 0;
/** Round robin over healthy nodes; no affinity of any kind. */
function pick() {
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[(next + i) % nodes.length];
    if (node.healthy) {
      next = (next + i + 1) % nodes.length;
      return node;
    }
  }
  return null;
}

function forwardedHeaders(req) {
  const headers = { ...req.headers };
  const remote = req.socket.remoteAddress ?? '';
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${remote}` : remote;
  headers['x-forwarded-proto'] = 'http';
  return headers;
}

const proxy = http.createServer((req, res) => {
  const node = pick();
  if (!node) {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'no node is ready' } }));
    return;
  }
  const upstream = http.request(
    { host: '127.0.0.1', port: node.port, method: req.method, path: req.url, headers: forwardedHeaders(req) },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => {
    node.healthy = false;
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'node unavailable; try again' } }));
  });
  req.pipe(upstream);
});

// WebSocket upgrades: open a TCP connection to a node, replay the request head, then pipe.
proxy.on('upgrade', (req, socket, head) => {
  const node = pick();
  socket.on('error', () => {});
  if (!node) {
    socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const upstream = net.connect(node.port, '127.0.0.1', () => {
    const headers = forwardedHeaders(req);
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (const [k, v] of Object.entries(headers)) for (const one of [v].flat()) lines.push(`${k}: ${one}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head?.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.on('error', () => socket.destroy());
  socket.on('close', () => upstream.destroy());
  upstream.on('close', () => socket.destroy());
});

// ---- run -----------------------------------------------------------------------------------

async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\n  stopping…');
  proxy.close();
  proxy.closeAllConnections?.();
  await Promise.all(
    nodes.map(
      (n) =>
        new Promise((resolve) => {
          if (n.child.exitCode !== null || n.child.signalCode !== null) return resolve();
          n.child.once('exit', resolve);
          n.child.kill('SIGTERM');
        }),
    ),
  );
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

await ensureDatabase(databaseUrl);
await ensureRedis(redisUrl);
await new Promise((resolve, reject) => {
  proxy.once('error', reject);
  proxy.listen(port, values.host, resolve);
});
const address = `http://${values.host === '0.0.0.0' ? '127.0.0.1' : values.host}:${proxy.address().port}`;
// The first node migrates and seeds; the others start together once it is ready.
await startNode(1, address);
await Promise.all(Array.from({ length: count - 1 }, (_, i) => startNode(i + 2, address)));
const health = setInterval(() => nodes.forEach((n) => void check(n)), 1_000);
health.unref();

console.log(
  [
    '',
    `  Cuebe cluster: ${count} node${count === 1 ? '' : 's'} behind ${address}`,
    `  nodes: ${nodes.map((n) => `${n.name} :${n.port}`).join(', ')}`,
    `  PostgreSQL ${redact(databaseUrl)} · Redis ${redact(redisUrl)}`,
    '  Ctrl+C stops everything.',
    '',
  ].join('\n'),
);
