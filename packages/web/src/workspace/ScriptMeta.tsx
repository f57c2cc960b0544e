/** The script's own fields (name, status, planned start), edited through scriptInfo ops like any cue. */
import { SCRIPT_STATUSES, ScriptStatus, type Op, type ScriptHeader } from '@cuebe/protocol';
import { EditableCell } from './EditableCell';

function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function ScriptMeta({ header, submit }: { header: ScriptHeader; submit: (op: Op) => void }) {
  return (
    <div className="script-meta">
      <EditableCell
        className="script-title"
        value={header.name}
        parse={(t) => (t.trim() ? t.trim() : null)}
        onCommit={(name) => submit({ kind: 'scriptInfo', fields: { name } })}
        label="Script name"
        nav={{ row: -1, col: 'script-name' }}
      />
      <select
        aria-label="Script status"
        value={header.status}
        onChange={(e) => {
          const status = ScriptStatus.safeParse(e.target.value);
          if (status.success) submit({ kind: 'scriptInfo', fields: { status: status.data } });
        }}
      >
        {SCRIPT_STATUSES.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      <label className="field-inline planned">
        <span className="muted small">Planned start</span>
        <input
          type="datetime-local"
          key={header.plannedStart ?? ''}
          defaultValue={toLocalInput(header.plannedStart)}
          onBlur={(e) => {
            const v = e.target.value ? new Date(e.target.value).toISOString() : null;
            if (v !== header.plannedStart) submit({ kind: 'scriptInfo', fields: { plannedStart: v } });
          }}
        />
      </label>
      {header.shared ? (
        <span className="badge badge-active" title="Crew with links can see this script">
          Shared
        </span>
      ) : (
        <span className="badge" title="Share it from the show page">
          Not shared
        </span>
      )}
    </div>
  );
}
