/** A new show, with the departments most productions have. */
import { randomUUID } from 'node:crypto';
import { DEFAULT_DEPARTMENT_COLOURS as C } from '@cuebe/protocol';
import type { Db } from '../db/open';
import { departments, shows } from '../db/schema';

/** Distinct colours, readable on dark and light backgrounds. */
export const DEFAULT_DEPARTMENTS = [
  { name: 'Lighting', initials: 'LX', colour: C.LX },
  { name: 'Sound', initials: 'SND', colour: C.SND },
  { name: 'Flys', initials: 'FLY', colour: C.FLY },
  { name: 'Stage', initials: 'DECK', colour: C.DECK },
  { name: 'Video', initials: 'VID', colour: C.VID },
  { name: 'Stage Management', initials: 'SM', colour: C.SM },
] as const;

export interface NewShow {
  name: string;
  venue: string;
  firstPerformanceAt: string | null;
  endsAt: string | null;
  notes: string;
  defaultDepartments: boolean;
}

export async function createShow(db: Db, ownerId: string, input: NewShow) {
  return db.transaction(async (tx) => {
    const [show] = await tx
      .insert(shows)
      .values({
        id: randomUUID(),
        ownerId,
        name: input.name,
        venue: input.venue,
        firstPerformanceAt: input.firstPerformanceAt ? new Date(input.firstPerformanceAt) : null,
        endsAt: input.endsAt ? new Date(input.endsAt) : null,
        notes: input.notes,
      })
      .returning();
    // createdAt orders departments: give each its own so the default order holds.
    const base = Date.now();
    const depts = input.defaultDepartments
      ? await tx
          .insert(departments)
          .values(
            DEFAULT_DEPARTMENTS.map((d, i) => ({
              ...d,
              id: randomUUID(),
              showId: show!.id,
              createdAt: new Date(base + i),
            })),
          )
          .returning()
      : [];
    return { show: show!, departments: depts };
  });
}
