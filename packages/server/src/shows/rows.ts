import type { Show } from '@cuebe/protocol';
import type { shows } from '../db/schema';
import { iso } from '../scripts/rows';

export function toShow(r: typeof shows.$inferSelect): Show {
  return {
    id: r.id,
    name: r.name,
    venue: r.venue,
    firstPerformanceAt: iso(r.firstPerformanceAt),
    endsAt: iso(r.endsAt),
    notes: r.notes,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
