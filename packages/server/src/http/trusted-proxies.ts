/**
 * Which peers may speak for the client (X-Forwarded-For, -Proto, -Host): only the proxies named in
 * TRUSTED_PROXIES (SPEC P20). Anyone else's forwarding headers are the sender's own words, so the
 * peer address is the client's: trusting them from everyone let a guesser pick a new "address"
 * per log-in and pass the per-address limit.
 */
import { isIP } from 'node:net';

/** proxy-addr's named ranges, accepted as Fastify's `trustProxy` entries. */
const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** One entry: an IPv4/IPv6 address, an address/prefix CIDR range, or a named range. Else an error message. */
export function checkProxyEntry(entry: string): string | null {
  if (NAMED.has(entry)) return null;
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return `"${entry}" is not an IP address or CIDR range`;
  if (slash < 0) return null;
  const prefix = entry.slice(slash + 1);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `"${entry}": the prefix length must be 0…${max}`;
  return null;
}

/** The comma-separated list as entries; empty means "trust no proxy". */
export function splitProxyList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
