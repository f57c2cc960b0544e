/**
 * The real server, in-process, serving the built web app (npm run test:e2e builds it first).
 * The e2e tests talk to it only through browsers and plain HTTP, like a user would.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer, type TestServer } from '../../packages/server/test/harness';

export const webDist = fileURLToPath(new URL('../../packages/web/dist', import.meta.url));

export async function startAppServer(): Promise<TestServer> {
  if (!existsSync(`${webDist}/index.html`))
    throw new Error('The web app is not built: run `npm run build -w @cuebe/web` (npm run test:e2e does it).');
  return startServer({ env: { WEB_DIST: webDist, LOG_LEVEL: 'warn' } });
}
