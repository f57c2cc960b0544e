/**
 * Secrets at rest: session cookies and crew links are stored only as sha256 digests.
 * A crew link is an HMAC of (crew id, generation) under the server secret, so the owner can be
 * shown the same link again without it being stored, and rotating is bumping the generation.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Conn } from '../db/open';
import { settings } from '../db/schema';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** 256 random bits, URL-safe. */
export const randomToken = (): string => randomBytes(32).toString('base64url');

/** A crew link token: 256 bits of HMAC-SHA256 output. */
export function crewLinkToken(secret: Buffer, crewId: string, generation: number): string {
  return createHmac('sha256', secret).update(`crew-link:${crewId}:${generation}`).digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The link-signing secret: CUEBE_SECRET, or one generated on first start and shared through the database. */
export async function loadSecret(db: Conn, configured: string | undefined): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  await db
    .insert(settings)
    .values({ key: 'link_secret', value: randomBytes(32).toString('base64') })
    .onConflictDoNothing();
  const [row] = await db.select().from(settings).where(eq(settings.key, 'link_secret'));
  if (!row) throw new Error('could not load the link secret');
  return Buffer.from(row.value, 'base64');
}

/** Crew tokens are 43 URL-safe characters; anything else is not worth a database look-up. */
export const looksLikeCrewToken = (t: string): boolean => /^[A-Za-z0-9_-]{43}$/.test(t);
