/** One crew member: their link (copy, QR, rotate, revoke), departments and expiry. */
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Department } from '@cuebe/protocol';
import { crew as api } from '../api/sm';
import type { CrewWithLink } from '../api/schemas';
import { formatDateTime } from '../lib/time';
import { usePrefs } from '../lib/prefs';
import { DeptChip } from '../ui/DeptChip';
import { ErrorNote } from '../ui/ErrorNote';
import { QrCode } from '../ui/QrCode';
import { DeptPicker, type DeptChoice } from './DeptPicker';

export function CrewCard({
  member,
  departments,
  showId,
}: {
  member: CrewWithLink;
  departments: Department[];
  showId: string;
}) {
  const qc = useQueryClient();
  const prefs = usePrefs();
  const [showQr, setShowQr] = useState(false);
  const [editing, setEditing] = useState(false);
  const [copied, setCopied] = useState(false);
  const refresh = () => qc.invalidateQueries({ queryKey: ['show', showId] });
  const act = useMutation({
    mutationFn: async (what: 'rotate' | 'revoke' | 'remove'): Promise<void> => {
      if (what === 'rotate') await api.rotate(member.id);
      else if (what === 'revoke') await api.revoke(member.id);
      else await api.remove(member.id);
    },
    onSettled: refresh,
  });
  const byId = new Map(departments.map((d) => [d.id, d]));

  const copy = async () => {
    if (!member.link) return;
    try {
      await navigator.clipboard.writeText(member.link);
    } catch {
      // Clipboard API needs a secure context; fall back to a prompt the SM can copy from.
      window.prompt('Copy this link', member.link);
    }
    setCopied(true);
    window.setTimeout(() => setCopied(false), 1500);
  };

  return (
    <li className={`crew-card status-${member.status}`}>
      <div className="crew-head">
        <div>
          <strong>{member.name}</strong>
          {member.role && <span className="muted"> · {member.role}</span>}
        </div>
        <span className={`badge badge-${member.status}`}>{member.status}</span>
      </div>
      <div className="crew-depts">
        {member.allDepartments ? (
          <span className="badge">All departments</span>
        ) : member.departmentIds.length === 0 ? (
          <span className="muted small">Notes only (no departments)</span>
        ) : (
          member.departmentIds.map((id) => <DeptChip key={id} department={byId.get(id)} />)
        )}
        <span className="muted small">
          {member.status === 'revoked' ? 'Link revoked' : `Expires ${formatDateTime(member.expiresAt, prefs.hour24)}`}
        </span>
      </div>
      {member.link && member.status === 'active' && (
        <div className="crew-link">
          <input
            readOnly
            value={member.link}
            aria-label={`Share link for ${member.name}`}
            onFocus={(e) => e.target.select()}
          />
          <button type="button" className="btn btn-small" onClick={copy}>
            {copied ? 'Copied' : 'Copy link'}
          </button>
          <button type="button" className="btn btn-small" aria-expanded={showQr} onClick={() => setShowQr((v) => !v)}>
            QR
          </button>
        </div>
      )}
      {showQr && member.link && member.status === 'active' && (
        <QrCode text={member.link} label={`QR code of ${member.name}'s share link`} />
      )}
      {editing ? (
        <CrewEdit member={member} departments={departments} onDone={() => setEditing(false)} showId={showId} />
      ) : (
        <div className="row-actions">
          <button type="button" className="btn btn-small" onClick={() => setEditing(true)}>
            Edit
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() =>
              window.confirm(`Make a new link for ${member.name}? The old link stops working at once.`) &&
              act.mutate('rotate')
            }
          >
            {member.status === 'active' ? 'New link' : 'Reissue link'}
          </button>
          {member.status === 'active' && (
            <button
              type="button"
              className="btn btn-small btn-danger-ghost"
              onClick={() =>
                window.confirm(`Revoke ${member.name}'s link? Their screens close at once.`) && act.mutate('revoke')
              }
            >
              Revoke
            </button>
          )}
          <button
            type="button"
            className="btn btn-small btn-danger-ghost"
            onClick={() => window.confirm(`Remove ${member.name} from the crew?`) && act.mutate('remove')}
          >
            Remove
          </button>
        </div>
      )}
      <ErrorNote error={act.error} />
    </li>
  );
}

function CrewEdit({
  member,
  departments,
  onDone,
  showId,
}: {
  member: CrewWithLink;
  departments: Department[];
  onDone: () => void;
  showId: string;
}) {
  const qc = useQueryClient();
  const [name, setName] = useState(member.name);
  const [role, setRole] = useState(member.role);
  const [depts, setDepts] = useState<DeptChoice>({
    allDepartments: member.allDepartments,
    departmentIds: member.departmentIds,
  });
  const [days, setDays] = useState<number | ''>('');
  const save = useMutation({
    mutationFn: () => api.update(member.id, { name, role, ...depts, ...(days ? { expiresInDays: days } : {}) }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['show', showId] });
      onDone();
    },
  });
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <div className="grid-2">
        <label className="field">
          <span>Name</span>
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>Role</span>
          <input value={role} onChange={(e) => setRole(e.target.value)} />
        </label>
      </div>
      <DeptPicker departments={departments} value={depts} onChange={setDepts} />
      <label className="field field-inline">
        <span>Extend: expires in</span>
        <input
          type="number"
          min={1}
          max={3650}
          placeholder="keep"
          value={days}
          onChange={(e) =>
            setDays(e.target.value === '' ? '' : Math.max(1, Math.min(3650, Number(e.target.value) || 1)))
          }
        />
        <span>days</span>
      </label>
      <ErrorNote error={save.error} />
      <div className="row-actions">
        <button className="btn btn-primary btn-small" type="submit" disabled={save.isPending}>
          Save
        </button>
        <button type="button" className="btn btn-small" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
