import type { ShowRole } from '@cuebe/protocol';

/** Who is on the other end of a socket, once the handshake has checked them. */
export interface SmIdentity {
  readonly role: 'sm';
  readonly userId: string;
  readonly name: string;
  readonly showId: string;
  /** sha256 id of the session the socket was opened with. */
  readonly sessionId: string;
  /** Their role on the script's show (docs/SPEC.md P11): a viewer's ops are refused. Absent: owner. */
  readonly showRole?: ShowRole;
  /** When that session ends (ms since epoch): the socket closes then (1008 logged-out). */
  readonly expiresAt?: number;
}

export interface CrewIdentity {
  readonly role: 'crew';
  readonly crewId: string;
  readonly name: string;
  /** The crew member's job ("LX operator"), for presence. */
  readonly crewRole: string;
  readonly showId: string;
  /** When the link stops working (ms since epoch). */
  readonly expiresAt: number;
  /** The link's generation when checked: a rotation bumps it, so a re-check can tell. */
  readonly generation?: number;
  readonly allDepartments: boolean;
  readonly departmentIds: readonly string[];
}

export type Identity = SmIdentity | CrewIdentity;

/** A handshake refused: the socket closes with this code and reason. */
export class Refusal extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'Refusal';
  }
}
