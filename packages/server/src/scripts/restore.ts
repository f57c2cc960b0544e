/**
 * Restore: the state at a past version, found by walking the log's `prev` values backwards from
 * the current state, turned into ONE op against the current state — so a restore is an
 * ordinary change: it syncs to every socket, shows in history and can itself be undone.
 */
import { inverseOp, type Element, type Op, type Prev, type ScriptInfo, type ScriptState } from '@cuebe/protocol';
import type { LogEntry } from './store';

/** The state before `entries` (any order) were applied, given the state after the newest. */
export function stateBefore(current: ScriptState, entries: readonly LogEntry[]): ScriptState {
  const elements = new Map(current.elements);
  let info: ScriptInfo = current.info;
  for (const entry of [...entries].sort((a, b) => b.version - a.version)) {
    for (const [id, before] of Object.entries(entry.prev.elements)) {
      if (before) elements.set(id, before);
      else elements.delete(id);
    }
    if (entry.prev.info) info = entry.prev.info;
  }
  return { info, elements };
}

/** The op that turns `current` into `target` (null when they are the same). */
export function restoreOp(current: ScriptState, target: ScriptState): Op | null {
  const ids = new Set<string>([...current.elements.keys(), ...target.elements.keys()]);
  const prev: Prev = { elements: {}, info: target.info };
  for (const id of ids) {
    const want: Element | null = target.elements.get(id) ?? null;
    prev.elements[id] = want;
  }
  return inverseOp(current, prev);
}
