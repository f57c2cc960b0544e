/**
 * The HTTP server: Fastify with the REST API, the socket hub, health endpoints and the web app,
 * all on one port.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import { LIMITS } from '@cuebe/protocol';
import type { Config } from './config';
import type { AppContext } from './context';
import type { Database } from './db/open';
import { AppError, isUnavailable } from './errors';
import { LocalFanout, type Fanout } from './hub/fanout';
import { RedisFanout } from './hub/redis-fanout';
import { createReferenceClock, type ReferenceClock } from './clock/reference';
import { registerMetrics } from './http/metrics-route';
import { BackgroundProbe, type Dependency } from './http/readiness';
import { allowedOrigins, originAllowed } from './http/origin';
import { loadSecret } from './auth/tokens';
import { ScriptStore } from './scripts/store';
import { PlaybackStore } from './live/playback-store';
import { registerRoutes } from './routes';
import { hubOf, registerHub } from './hub';
import type { HubOptions } from './hub/hub';

export interface BuildOptions {
  config: Config;
  database: Database;
  fanout?: Fanout;
  /** The reference clock (tests inject skewed ones); default: Redis TIME with REDIS_URL, else local. */
  clock?: ReferenceClock;
  /** A pino logger destination for tests (defaults to stdout). */
  logStream?: NodeJS.WritableStream;
  /** Hub tuning (tests: a short heartbeat from the start). */
  hub?: Partial<HubOptions>;
}

export interface BuiltApp {
  app: FastifyInstance;
  ctx: AppContext;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function buildApp(opts: BuildOptions): Promise<BuiltApp> {
  const { config, database } = opts;
  // HTTPS with the given certificate (TLS_CERT/TLS_KEY): phones need a secure context for some
  // features (service worker, wake lock). Node then serves https and wss on the same port.
  const https = config.tls ? { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } : null;
  const app = Fastify({
    ...(https ? { https } : {}),
    logger: {
      level: config.logLevel,
      ...(opts.logStream ? { stream: opts.logStream } : {}),
      // Never log cookies, tokens or bodies.
      redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-crew-token"]'],
      serializers: {
        req: (req) => ({ method: req.method, url: req.url?.split('?')[0], remote: req.ip }),
      },
    },
    bodyLimit: 256 * 1024,
    // Forwarding headers count only from the proxies named in TRUSTED_PROXIES (SPEC P20).
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    // Handshake hardening: a request with thousands of headers is refused by Node before ws sees it.
    routerOptions: { maxParamLength: 200 },
  });

  const fanout =
    opts.fanout ??
    (config.redisUrl
      ? new RedisFanout({ url: config.redisUrl, nodeId: config.nodeId, log: app.log })
      : new LocalFanout(config.nodeId));
  const clock =
    opts.clock ??
    (await createReferenceClock(config.redisUrl, (err) => app.log.warn({ err }, 'reference clock: sync failed')));
  app.addHook('onClose', () => clock.close());
  const secret = await loadSecret(database.db, config.secret);
  const ctx: AppContext = {
    config,
    database,
    store: new ScriptStore(database, () => clock.now()),
    playback: new PlaybackStore(database.db),
    fanout,
    secret,
    log: app.log,
    clock,
  };

  await app.register(cookie);
  await app.register(websocket, {
    options: { maxPayload: LIMITS.maxMessageBytes, perMessageDeflate: false, clientTracking: false },
    // A client's protocol error (a frame over maxPayload, invalid UTF-8, a bad opcode): ws has
    // already begun the close with the documented code (1009, 1007, 1002). The plugin's default
    // handler logged it as a server error with a stack and terminated the socket, racing that
    // close frame, so the client often saw 1006 instead. Log it as the client's doing and let
    // ws finish the close.
    errorHandler: (err, _socket, req) => {
      req.log.info({ code: (err as { code?: unknown }).code }, `socket error: ${err.message}`);
    },
  });

  const origins = allowedOrigins(config);
  app.addHook('onRequest', async (req) => {
    if (SAFE_METHODS.has(req.method)) return;
    if (originAllowed(req.raw, origins) === false)
      throw new AppError(403, 'FORBIDDEN', 'cross-site request refused (Origin not allowed)');
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    );
    reply.header('X-Frame-Options', 'DENY');
    return payload;
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof AppError) {
      if (err.status >= 500) req.log.error({ err: err.cause ?? err }, err.message);
      return reply.status(err.status).send({ error: { code: err.code, message: err.message, field: err.field } });
    }
    const e = err as { statusCode?: number; code?: string; message: string };
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply.status(413).send({ error: { code: 'TOO_LARGE', message: 'request body too large' } });
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
      return reply.status(e.statusCode).send({ error: { code: 'BAD_MESSAGE', message: e.message } });
    // A read anywhere on the way (the session, the script's access) met a database fault: the
    // request was not served, and the same request later may be (SPEC F1).
    if (isUnavailable(err)) {
      req.log.warn({ err }, 'database unavailable');
      return reply
        .status(503)
        .send({ error: { code: 'UNAVAILABLE', message: 'the database is unavailable; try again shortly' } });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
  });

  app.get('/healthz', async () => ({ ok: true, node: fanout.nodeId }));
  // Each dependency reports a synchronous status kept up to date in the background (F2).
  const databaseReady = new BackgroundProbe('database', () => database.db.execute('select 1'), {
    intervalMs: 500,
    timeoutMs: 1_000,
    reason: 'database not ready',
  });
  app.addHook('onClose', async () => databaseReady.stop());
  await databaseReady.first;
  const required: Dependency[] = [databaseReady];
  app.get('/readyz', async (_req, reply) => {
    for (const dependency of required) {
      const status = dependency.status();
      if (!status.ready)
        return reply.status(503).send({ ok: false, database: database.kind, error: status.reason ?? dependency.name });
    }
    if (!config.redisUrl) return { ok: true, database: database.kind };
    // Redis is reported, not required: a node cut off from Redis still serves every client
    // correctly through PostgreSQL (edits cross nodes by polling, about a second late), and
    // Redis is shared by every node, so failing readiness on it would take the whole fleet out
    // of the load balancer at once for a fault that costs only latency (docs/DEPLOY.md).
    let redis = false;
    try {
      await fanout.check?.();
      redis = true;
    } catch {
      // reported below
    }
    return { ok: true, database: database.kind, redis };
  });
  registerMetrics(app, fanout);

  await registerRoutes(app, ctx);
  await registerHub(app, ctx, opts.hub);
  // Redis lost messages (it restarted, or this node's link dropped): once the subscription is
  // live again, every room reads what it missed from the database.
  ctx.fanout.onReconnect?.(() => hubOf(app).refillAll());
  await registerWeb(app, config);
  return { app, ctx };
}

/** The built web app, with index.html for every client-side route. */
async function registerWeb(app: FastifyInstance, config: Config): Promise<void> {
  const dist = config.webDist ?? fileURLToPath(new URL('../../web/dist', import.meta.url));
  const hasDist = existsSync(`${dist}/index.html`);
  if (hasDist) await app.register(fastifyStatic, { root: dist, wildcard: false, index: false });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (req.method !== 'GET' || path.startsWith('/api/') || path.startsWith('/ws/'))
      return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${path}` } });
    if (!hasDist)
      return reply
        .type('text/plain')
        .send('Cuebe server is running. The web app is not built: run `npm run build` (npm start does it).');
    return reply.type('text/html').sendFile('index.html');
  });
}
