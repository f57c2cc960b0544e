/**
 * `npm start`: one process, one port — PGlite in DATA_DIR (or PostgreSQL with DATABASE_URL),
 * in-process fan-out (or Redis with REDIS_URL), demo data on first start.
 */
import { loadConfig } from './config';
import { openDatabase } from './db/open';
import { buildApp } from './app';
import { seedDemoIfEmpty } from './seed/demo';
import { publicBaseUrl } from './http/public-url';

async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const { app, ctx } = await buildApp({ config, database });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await app.close(); // closes sockets (1001 going away) and stops accepting requests
      await ctx.fanout.close();
      await database.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  const base = publicBaseUrl(config, app);
  const seeded = config.seedDemo ? await seedDemoIfEmpty(ctx, base) : null;
  const lines = [
    '',
    `  Cuebe is running at ${base}`,
    `  storage: ${database.kind === 'pglite' ? `PGlite in ${config.dataDir}` : 'PostgreSQL'} · fan-out: ${config.redisUrl ? 'Redis' : 'in-process'}`,
    ...(seeded?.lines ?? []),
    '',
  ];
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
