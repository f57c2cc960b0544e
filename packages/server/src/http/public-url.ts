/**
 * The address people and phones use: PUBLIC_URL, or this machine's LAN address so phones on the
 * venue Wi-Fi can reach a laptop running `npm start`.
 */
import { networkInterfaces } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config';

export function lanAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

export function publicBaseUrl(config: Config, app?: FastifyInstance): string {
  if (config.publicUrl) return config.publicUrl;
  const addr = app?.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? (lanAddress() ?? 'localhost') : config.host;
  return `http://${host}:${port}`;
}
