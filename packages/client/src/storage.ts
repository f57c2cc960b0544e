/**
 * Where a client keeps what it must not lose: its unacknowledged edits and the last confirmed
 * state, so edits made offline survive a reload (the web app implements this on IndexedDB).
 * What comes back from storage is parsed like any other input: it may be from an older app.
 */
import { z } from 'zod';
import { Department, Element, Id, Op, ScriptHeader } from '@cuebe/protocol';

export const PendingOpRecord = z.strictObject({
  opId: Id,
  op: Op,
  baseVersion: z.number().int().min(0),
});
export type PendingOpRecord = z.infer<typeof PendingOpRecord>;

export const PersistedState = z.strictObject({
  /** Bump when this shape changes; other formats are ignored. */
  format: z.literal(1),
  version: z.number().int().min(0),
  script: ScriptHeader,
  departments: z.array(Department),
  elements: z.array(Element),
  pending: z.array(PendingOpRecord),
});
export type PersistedState = z.infer<typeof PersistedState>;

export interface PendingStore {
  get(): Promise<unknown>;
  set(state: PersistedState): Promise<void>;
}

/** In memory: survives a client being replaced by a new one (a "reload" in tests), not a process. */
export class MemoryStore implements PendingStore {
  private value: PersistedState | undefined;
  /** Number of writes, for tests. */
  writes = 0;

  async get(): Promise<unknown> {
    return this.value === undefined ? undefined : structuredClone(this.value);
  }

  async set(state: PersistedState): Promise<void> {
    this.writes++;
    this.value = structuredClone(state);
  }
}
