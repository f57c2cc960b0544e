/**
 * Configuration from environment variables. Every variable and its default is listed in the
 * README; an invalid value stops the start with a message naming it.
 */
import { z } from 'zod';
import { checkProxyEntry, splitProxyList } from './http/trusted-proxies';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** PostgreSQL connection string. Unset: embedded PGlite in DATA_DIR. */
  DATABASE_URL: z.string().optional(),
  DATA_DIR: z.string().default('./data'),
  /** Redis for fan-out between nodes. Unset: in-process fan-out (one node). */
  REDIS_URL: z.string().optional(),
  /** The address crew links and QR codes use, e.g. https://cuebe.example.com. */
  PUBLIC_URL: z.url().optional(),
  /** Extra origins allowed to make requests and open sockets (comma-separated, exact match). */
  ALLOWED_ORIGINS: z.string().default(''),
  /**
   * Proxies whose X-Forwarded-For / -Proto / -Host count (comma-separated addresses, CIDR ranges,
   * or loopback / linklocal / uniquelocal). Empty: none; the peer address is the client's.
   */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .superRefine((value, ctx) => {
      for (const entry of splitProxyList(value)) {
        const problem = checkProxyEntry(entry);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }
    }),
  /** Secret that signs crew links. Unset: generated once and kept in the database. */
  CUEBE_SECRET: z.string().min(32).optional(),
  SESSION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Seed a demo show on first start (only when the database has no users). */
  SEED_DEMO: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Send cookies with Secure. Default: on when PUBLIC_URL is https. */
  COOKIE_SECURE: bool.optional(),
  /** Name of this node in logs and inter-node messages. Default: random. */
  NODE_ID: z.string().max(64).optional(),
  /** WebSocket heartbeat: each socket pinged once per this many ms, dropped if silent (0: off). */
  HEARTBEAT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** Directory of the built web app. Default: packages/web/dist. */
  WEB_DIST: z.string().optional(),
  /** HTTPS: PEM certificate (chain) and private key files. Both or neither. */
  TLS_CERT: z.string().min(1).optional(),
  TLS_KEY: z.string().min(1).optional(),
});

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.TLS_CERT === undefined) !== (e.TLS_KEY === undefined))
    throw new Error('Invalid configuration:\n  TLS_CERT and TLS_KEY: set both (HTTPS) or neither (HTTP)');
  const tls = e.TLS_CERT && e.TLS_KEY ? { certFile: e.TLS_CERT, keyFile: e.TLS_KEY } : null;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    allowedOrigins: e.ALLOWED_ORIGINS.split(',')
      .map((s) => s.trim().replace(/\/+$/, ''))
      .filter(Boolean),
    trustedProxies: splitProxyList(e.TRUSTED_PROXIES),
    secret: e.CUEBE_SECRET,
    sessionDays: e.SESSION_DAYS,
    seedDemo: e.SEED_DEMO,
    logLevel: e.LOG_LEVEL,
    cookieSecure: e.COOKIE_SECURE ?? (tls !== null || (e.PUBLIC_URL?.startsWith('https:') ?? false)),
    nodeId: e.NODE_ID,
    heartbeatMs: e.HEARTBEAT_MS,
    webDist: e.WEB_DIST,
    tls,
  };
}
