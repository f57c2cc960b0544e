/** Who is watching: crew devices connected to this script, by name (SM view). */
import { useState } from 'react';
import type { Department, PresenceCrew } from '@cuebe/protocol';
import type { SyncClient } from '@cuebe/client';
import { useLive } from './useLive';
import { DeptChip } from '../ui/DeptChip';

export function PresenceBadge({ live }: { live: SyncClient }) {
  const presence = useLive(live, (v) => v.presence);
  const departments = useLive(live, (v) => v.departments);
  const [open, setOpen] = useState(false);
  const crew = presence?.crew ?? [];
  const devices = crew.reduce((n, c) => n + c.devices, 0);
  const byId = new Map<string, Department>(departments.map((d) => [d.id, d]));
  const doubtful = crew.filter((c) => syncDoubt(c) !== null).length;
  return (
    <div className="presence">
      <button
        type="button"
        className="btn btn-ghost presence-btn"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="presence"
        data-devices={devices}
      >
        <span className="presence-count">{devices}</span> crew device{devices === 1 ? '' : 's'} watching
        {doubtful > 0 && (
          <span className="presence-doubt" data-testid="presence-doubt">
            {' '}
            · {doubtful} not reliable
          </span>
        )}
      </button>
      {open && (
        <div className="presence-panel" role="dialog" aria-label="Crew watching">
          {crew.length === 0 ? (
            <p className="muted">No crew connected right now.</p>
          ) : (
            <ul>
              {crew.map((c) => (
                <li key={c.crewId}>
                  <strong>{c.name}</strong>
                  {c.role && <span className="muted"> · {c.role}</span>}
                  <span className="muted small">
                    {' '}
                    ({c.devices} device{c.devices === 1 ? '' : 's'})
                  </span>
                  {syncDoubt(c) && <span className="presence-doubt small"> · {syncDoubt(c)}</span>}
                  <div className="crew-depts">
                    {c.allDepartments ? (
                      <span className="badge">All</span>
                    ) : (
                      c.departmentIds.map((id) => <DeptChip key={id} department={byId.get(id)} />)
                    )}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

/**
 * Why a crew member's devices cannot be trusted to show a call on time right now (live show),
 * or null: a hidden page, a clock sync older than 60 s, or an error bound over 10 ms.
 */
export function syncDoubt(c: PresenceCrew): string | null {
  const s = c.sync;
  if (!s) return null;
  if (s.hidden > 0) return 'page hidden';
  if (s.worstErrorMs === null || s.oldestSyncAgeMs === null) return 'clock not synced yet';
  if (s.oldestSyncAgeMs > 60_000) return 'clock sync stale';
  if (s.worstErrorMs > 10) return `clock ±${Math.round(s.worstErrorMs)} ms`;
  return null;
}
