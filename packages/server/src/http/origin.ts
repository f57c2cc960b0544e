/**
 * Cross-site protection (DESIGN §4): an Origin, when present, must match the allowlist exactly —
 * the server's own origin, PUBLIC_URL and ALLOWED_ORIGINS. No substring or wildcard match:
 * https://cuebe.example.com.evil.com is foreign.
 */
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config';

export function allowedOrigins(config: Config): Set<string> {
  const set = new Set(config.allowedOrigins);
  if (config.publicUrl) set.add(new URL(config.publicUrl).origin);
  return set;
}

/** The origin this request was addressed to (scheme + Host header). */
function ownOrigin(req: IncomingMessage): string | null {
  const host = req.headers.host;
  if (!host) return null;
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${secure ? 'https' : 'http'}://${host}`;
}

/** true: the Origin is ours or allowlisted. null: no Origin header at all (not a browser). */
export function originAllowed(req: IncomingMessage, allowed: Set<string>): boolean | null {
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  if (typeof origin !== 'string' || origin === 'null') return false;
  return origin === ownOrigin(req) || allowed.has(origin);
}
