/**
 * Crew links as the owner sees them. The token is derived (HMAC of id + generation), so showing a
 * link again returns the same one; only rotation (a new generation) changes it.
 */
import type { FastifyRequest } from 'fastify';
import type { CrewAssignment } from '@cuebe/protocol';
import type { AppContext } from '../context';
import { crewLinkBase } from '../http/public-url';
import { iso } from '../scripts/rows';
import type { CrewRow } from './crew';
import { crewLinkToken, sha256 } from './tokens';

export type CrewStatus = 'active' | 'expired' | 'revoked';
export type CrewWithLink = CrewAssignment & { link: string | null; status: CrewStatus };

/** `now`: the reference clock (ms), the same on every node (F5). */
export function crewStatus(row: CrewRow, now: number): CrewStatus {
  if (row.revokedAt) return 'revoked';
  return row.expiresAt.getTime() <= now ? 'expired' : 'active';
}

/** What to store for a generation's token: its digest, never the token. */
export function tokenHashFor(ctx: AppContext, crewId: string, generation: number): string {
  return sha256(crewLinkToken(ctx.secret, crewId, generation));
}

/** PUBLIC_URL, or the origin this request was addressed to, with localhost made the LAN address. */
export function linkBase(ctx: AppContext, req: FastifyRequest): string {
  return crewLinkBase(ctx.config, `${req.protocol}://${req.host}`);
}

export function crewLink(ctx: AppContext, base: string, row: CrewRow): string {
  return `${base}/c#${crewLinkToken(ctx.secret, row.id, row.generation)}`;
}

export function toCrewAssignment(row: CrewRow): CrewAssignment {
  return {
    id: row.id,
    showId: row.showId,
    name: row.name,
    email: row.email,
    role: row.role,
    allDepartments: row.allDepartments,
    departmentIds: [...row.departmentIds],
    expiresAt: row.expiresAt.toISOString(),
    revokedAt: iso(row.revokedAt),
    createdAt: row.createdAt.toISOString(),
  };
}

export function toCrewWithLink(ctx: AppContext, base: string, row: CrewRow): CrewWithLink {
  const status = crewStatus(row, ctx.clock.now());
  return { ...toCrewAssignment(row), link: status === 'revoked' ? null : crewLink(ctx, base, row), status };
}
