/** The show's name, venue and first performance, edited in place. */
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Show } from '@cuebe/protocol';
import { shows } from '../api/sm';
import { navigate } from '../lib/router';
import { formatDateTime } from '../lib/time';
import { usePrefs } from '../lib/prefs';
import { ErrorNote } from '../ui/ErrorNote';

function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function ShowDetails({ show }: { show: Show }) {
  const qc = useQueryClient();
  const prefs = usePrefs();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(show.name);
  const [venue, setVenue] = useState(show.venue);
  const [first, setFirst] = useState(toLocalInput(show.firstPerformanceAt));
  const save = useMutation({
    mutationFn: () =>
      shows.update(show.id, { name, venue, firstPerformanceAt: first ? new Date(first).toISOString() : null }),
    onSuccess: () => {
      setEditing(false);
      void qc.invalidateQueries({ queryKey: ['show', show.id] });
      void qc.invalidateQueries({ queryKey: ['shows'] });
    },
  });
  const remove = useMutation({
    mutationFn: () => shows.remove(show.id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['shows'] });
      navigate('/', { replace: true });
    },
  });

  if (!editing)
    return (
      <div className="page-head">
        <div>
          <h1>{show.name}</h1>
          <p className="muted">
            {[
              show.venue,
              show.firstPerformanceAt && `First performance ${formatDateTime(show.firstPerformanceAt, prefs.hour24)}`,
            ]
              .filter(Boolean)
              .join(' · ') || 'No venue or date yet'}
          </p>
        </div>
        <div className="row-actions">
          <button type="button" className="btn" onClick={() => setEditing(true)}>
            Edit show
          </button>
        </div>
      </div>
    );
  return (
    <form
      className="card stack show-edit"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <div className="grid-3">
        <label className="field">
          <span>Name</span>
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>Venue</span>
          <input value={venue} onChange={(e) => setVenue(e.target.value)} />
        </label>
        <label className="field">
          <span>First performance</span>
          <input type="datetime-local" value={first} onChange={(e) => setFirst(e.target.value)} />
        </label>
      </div>
      <ErrorNote error={save.error ?? remove.error} />
      <div className="row-actions">
        <button className="btn btn-primary" type="submit" disabled={save.isPending}>
          Save show
        </button>
        <button type="button" className="btn" onClick={() => setEditing(false)}>
          Cancel
        </button>
        <span className="spacer" />
        <button
          type="button"
          className="btn btn-danger"
          onClick={() => {
            if (window.confirm(`Delete “${show.name}” with all its scripts and crew links? This cannot be undone.`))
              remove.mutate();
          }}
        >
          Delete show
        </button>
      </div>
    </form>
  );
}
