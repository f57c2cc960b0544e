/**
 * Presence across nodes while the bus is down or silent (SPEC R4). Snapshots normally cross on
 * Redis; with Redis dead or hung each node writes them to the database instead (one row per node
 * and script, replaced each time) and reads the other nodes' rows on every fallback poll. Ages
 * come from the database's clock on both sides, so node clocks never meet; a row not refreshed
 * within the presence TTL counts no more, so a node that died meanwhile leaves no ghost.
 */
import { and, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Conn } from '../db/open';
import { nodePresence } from '../db/schema';
import type { FanoutMessage } from './fanout';
import { decodeMessage, encodeMessage } from './fanout-wire';

type PresenceMessage = Extract<FanoutMessage, { type: 'presence' }>;

/** Rows of nodes gone for this long are deleted (node ids change with every restart). */
const FORGET_AFTER_MS = 10 * 60_000;

export class PresenceFallback {
  constructor(private readonly db: Conn) {}

  /** This node's snapshot of one script, replacing the last one. */
  async write(msg: PresenceMessage): Promise<void> {
    const snapshot = encodeMessage(msg);
    await this.db
      .insert(nodePresence)
      .values({ nodeId: msg.origin, scriptId: msg.scriptId, snapshot, updatedAt: sql`now()` })
      .onConflictDoUpdate({
        target: [nodePresence.nodeId, nodePresence.scriptId],
        set: { snapshot, updatedAt: sql`now()` },
      });
  }

  /**
   * Other nodes' snapshots of these scripts that are still within their TTL, each with the TTL
   * that is left of it. A row that does not parse (another build's) is skipped.
   */
  async read(scriptIds: string[], self: string): Promise<PresenceMessage[]> {
    if (scriptIds.length === 0) return [];
    const rows = await this.db
      .select({
        snapshot: nodePresence.snapshot,
        ageMs: sql<string>`extract(epoch from (now() - ${nodePresence.updatedAt})) * 1000`,
      })
      .from(nodePresence)
      .where(and(inArray(nodePresence.scriptId, scriptIds), ne(nodePresence.nodeId, self)));
    const out: PresenceMessage[] = [];
    for (const row of rows) {
      const msg = decodeMessage(row.snapshot);
      if (msg?.type !== 'presence') continue;
      const left = msg.ttlMs - Number(row.ageMs);
      // Past its TTL: as if it never came (the receiver's own copy expires on its clock).
      if (!(left > 0)) continue;
      out.push({ ...msg, ttlMs: Math.max(1_000, Math.round(left)) });
    }
    return out;
  }

  /** Delete rows of nodes that stopped writing long ago. */
  async sweep(): Promise<void> {
    await this.db
      .delete(nodePresence)
      .where(lt(nodePresence.updatedAt, sql`now() - make_interval(secs => ${FORGET_AFTER_MS / 1000})`));
  }
}
