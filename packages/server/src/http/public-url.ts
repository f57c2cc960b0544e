/**
 * The address people and phones use: PUBLIC_URL, or this machine's LAN address so phones on the
 * venue Wi-Fi can reach a laptop running `npm start`.
 */
import { networkInterfaces } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config';

/** The first non-loopback IPv4 address of this machine, or null when it has none. */
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
  return `${config.tls ? 'https' : 'http'}://${host}:${port}`;
}

/** localhost, *.localhost, 127.0.0.0/8 and ::1: names a phone cannot use to reach this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1';
}

/**
 * Where crew links point: PUBLIC_URL; else the address the SM's browser used — except that a
 * loopback address (the SM on the laptop itself, at localhost) becomes the LAN address, so the
 * link and its QR code work on a phone on the venue Wi-Fi. A server bound to loopback only keeps it.
 */
export function crewLinkBase(config: Config, requestOrigin: string): string {
  if (config.publicUrl) return config.publicUrl;
  const url = new URL(requestOrigin);
  const boundToLoopback = isLoopbackHost(config.host);
  if (isLoopbackHost(url.hostname) && !boundToLoopback) {
    const lan = lanAddress();
    if (lan) url.hostname = lan;
  }
  return url.origin;
}
