/** The running list on a crew phone: time order, with a short highlight of what just changed. */
import { memo, useEffect, useMemo, useState } from 'react';
import type { SyncClient } from '@cuebe/client';
import { timeOrder, type Department, type Element } from '@cuebe/protocol';
import { usePrefs } from '../lib/prefs';
import { formatClock, formatOffset } from '../lib/time';
import { useLive } from '../live/useLive';
import { DeptChip } from '../ui/DeptChip';

const FLASH_MS = 2000;

/**
 * The running list: a group with nothing of this crew member's in it has no time of its own here
 * (its timing comes only from what they may see, SPEC S17), so it is left out.
 */
function runningList(elements: Iterable<Element>): Element[] {
  const all = [...elements];
  const parents = new Set(all.map((e) => e.parentId));
  return timeOrder(all.filter((e) => e.type !== 'GROUP' || parents.has(e.id)));
}

export function CrewCueList({ live }: { live: SyncClient }) {
  const elements = useLive(live, (v) => v.elements);
  const departments = useLive(live, (v) => v.departments);
  const plannedStart = useLive(live, (v) => v.script?.plannedStart ?? null);
  const prefs = usePrefs();
  const [flash, setFlash] = useState<ReadonlySet<string>>(new Set());

  useEffect(
    () =>
      live.on('change', ({ change, mine }) => {
        if (mine || change.patch.upserts.length === 0) return;
        setFlash((f) => new Set([...f, ...change.patch.upserts.map((e) => e.id)]));
        const ids = change.patch.upserts.map((e) => e.id);
        window.setTimeout(
          () =>
            setFlash((f) => {
              const n = new Set(f);
              for (const id of ids) n.delete(id);
              return n;
            }),
          FLASH_MS,
        );
      }),
    [live],
  );

  const list = useMemo(() => runningList(elements.values()), [elements]);
  const byId = useMemo(() => new Map(departments.map((d) => [d.id, d])), [departments]);
  const format = useMemo(
    () => (ms: number) => (plannedStart ? formatClock(plannedStart, ms, prefs.hour24) : formatOffset(ms)),
    [plannedStart, prefs.hour24],
  );
  if (list.length === 0) return <p className="empty">No cues for your departments yet.</p>;
  return (
    <ol className="crew-list-cues" aria-label="Cues in time order" data-testid="crew-cues">
      {list.map((el) => (
        <CrewCue
          key={el.id}
          el={el}
          dept={el.departmentId ? byId.get(el.departmentId) : undefined}
          flash={flash.has(el.id)}
          time={format(el.offsetMs)}
        />
      ))}
    </ol>
  );
}

/** The same list from a saved copy (no connection): no highlights, nothing live. */
export function StaticCueList({
  elements,
  departments,
  plannedStart,
}: {
  elements: readonly Element[];
  departments: readonly Department[];
  plannedStart: string | null;
}) {
  const prefs = usePrefs();
  const list = useMemo(() => runningList(elements), [elements]);
  const byId = useMemo(() => new Map(departments.map((d) => [d.id, d])), [departments]);
  const format = (ms: number) => (plannedStart ? formatClock(plannedStart, ms, prefs.hour24) : formatOffset(ms));
  return (
    <ol className="crew-list-cues stale" aria-label="Cues in time order (not live)" data-testid="crew-cues">
      {list.map((el) => (
        <CrewCue
          key={el.id}
          el={el}
          dept={el.departmentId ? byId.get(el.departmentId) : undefined}
          flash={false}
          time={format(el.offsetMs)}
        />
      ))}
    </ol>
  );
}

const CrewCue = memo(function CrewCue({
  el,
  dept,
  flash,
  time,
}: {
  el: Element;
  dept: Department | undefined;
  flash: boolean;
  time: string;
}) {
  return (
    <li
      className={`crew-cue type-${el.type.toLowerCase()} prio-${el.priority.toLowerCase()}${flash ? ' flash' : ''}`}
      style={{ ['--dept' as string]: dept?.colour ?? 'var(--border)' }}
      data-id={el.id}
      data-testid="crew-cue"
    >
      <span className="cc-time mono">{time}</span>
      <span className="cc-dept">
        {el.type === 'CUE' ? <DeptChip department={dept} /> : <span className="type-tag">{el.type}</span>}
      </span>
      <span className="cc-body">
        <span className="cc-name">
          {el.name}
          {(el.priority === 'SAFETY' || el.priority === 'CRITICAL') && (
            <span className={`prio-tag prio-tag-${el.priority.toLowerCase()}`}>{el.priority}</span>
          )}
        </span>
        {el.notes && <span className="cc-notes">{el.notes}</span>}
        {el.location && <span className="cc-loc">{el.location}</span>}
      </span>
    </li>
  );
});
