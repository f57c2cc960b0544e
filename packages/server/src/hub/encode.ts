/** Building the wire form of committed versions for one view. */
import { filterElements, filterPatch, type Change, type View } from '@cuebe/protocol';
import type { LogEntry, SnapshotData } from '../scripts/store';
import { Outgoing } from './outgoing';

/**
 * One committed version as `view` sees it. A crew view gets every version, with an empty patch
 * when nothing visible changed, so the versions it sees stay contiguous and gaps mean loss.
 */
export function changeFor(view: View, entry: LogEntry): Change {
  return {
    version: entry.version,
    opId: view.kind === 'full' ? entry.opId : null,
    actor: { kind: entry.actor.kind, name: entry.actor.name },
    at: entry.at,
    kind: entry.kind,
    patch: filterPatch(view, entry.patch, entry.prev),
  };
}

export function changesMessage(changes: Change[]): Outgoing {
  return Outgoing.of({ type: 'changes', changes });
}

export function snapshotMessage(view: View, snap: SnapshotData): Outgoing {
  return Outgoing.of({
    type: 'snapshot',
    version: snap.version,
    script: snap.script,
    elements: filterElements(view, snap.elements),
    departments: snap.departments,
  });
}
