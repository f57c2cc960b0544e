/** Who is watching: crew devices connected to this script, by name (SM view). */
import { useState } from 'react';
import type { Department } from '@cuebe/protocol';
import type { SyncClient } from '@cuebe/client';
import { useLive } from './useLive';
import { DeptChip } from '../ui/DeptChip';
import { ClockDoubts, DoubtCount } from './ClockDoubts';

export function PresenceBadge({ live }: { live: SyncClient }) {
  const presence = useLive(live, (v) => v.presence);
  const departments = useLive(live, (v) => v.departments);
  const [open, setOpen] = useState(false);
  const crew = presence?.crew ?? [];
  const devices = crew.reduce((n, c) => n + c.devices, 0);
  const byId = new Map<string, Department>(departments.map((d) => [d.id, d]));
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
        <DoubtCount live={live} crew={crew} />
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
                  <ClockDoubts live={live} crew={c} />
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
