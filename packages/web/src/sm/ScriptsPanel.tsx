/** A show's scripts: open, share with crew, duplicate, delete; and a new one. */
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Script } from '@cuebe/protocol';
import { scripts as api } from '../api/sm';
import { navigate } from '../lib/router';
import { ErrorNote } from '../ui/ErrorNote';
import { Link } from '../ui/Link';
import { Switch } from '../ui/Switch';

export function ScriptsPanel({ showId, scripts }: { showId: string; scripts: Script[] }) {
  const qc = useQueryClient();
  const refresh = () => qc.invalidateQueries({ queryKey: ['show', showId] });
  const share = useMutation({
    mutationFn: ({ id, shared }: { id: string; shared: boolean }) => api.update(id, { shared }),
    onSettled: refresh,
  });
  // The switch shows a change with the click and holds it until the server's state is read back
  // (onSettled's refetch is part of the mutation); refused, it shows what is saved again.
  const sharing = share.isPending ? share.variables : undefined;
  const duplicate = useMutation({ mutationFn: (id: string) => api.duplicate(id), onSettled: refresh });
  const remove = useMutation({ mutationFn: (id: string) => api.remove(id), onSettled: refresh });
  return (
    <section className="card panel" aria-labelledby="scripts-h">
      <h2 id="scripts-h">Scripts</h2>
      {scripts.length === 0 && <p className="empty">No scripts yet.</p>}
      <ul className="script-list">
        {scripts.map((s) => {
          const shared = sharing?.id === s.id ? sharing.shared : s.shared;
          return (
            <li key={s.id} className="script-row">
              <div className="script-main">
                <Link href={`/scripts/${s.id}`} className="script-name">
                  {s.name}
                </Link>
                <span className="badge">{s.status}</span>
                <span className="muted small">v{s.version}</span>
              </div>
              <div className="row-actions">
                <Switch
                  label={shared ? 'Shared with crew' : 'Not shared'}
                  checked={shared}
                  disabled={sharing?.id === s.id}
                  onChange={(next) => share.mutate({ id: s.id, shared: next })}
                />
                <button type="button" className="btn btn-small" onClick={() => duplicate.mutate(s.id)}>
                  Duplicate
                </button>
                <button
                  type="button"
                  className="btn btn-small btn-danger-ghost"
                  onClick={() =>
                    window.confirm(`Delete the script “${s.name}”? This cannot be undone.`) && remove.mutate(s.id)
                  }
                >
                  Delete
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      <ErrorNote error={share.error ?? duplicate.error ?? remove.error} />
      <NewScript showId={showId} />
    </section>
  );
}

function NewScript({ showId }: { showId: string }) {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => api.create(showId, { name }),
    onSuccess: ({ script }) => {
      void qc.invalidateQueries({ queryKey: ['show', showId] });
      navigate(`/scripts/${script.id}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <input
        aria-label="New script name"
        placeholder="Calling script"
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <button className="btn btn-primary" type="submit" disabled={!name.trim() || create.isPending}>
        New script
      </button>
      <ErrorNote error={create.error} className="span-all" />
    </form>
  );
}
