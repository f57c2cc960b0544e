/** The SM's shows, newest first, and a form to start a new one. */
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { User } from '@cuebe/protocol';
import { shows } from '../api/sm';
import { navigate } from '../lib/router';
import { formatDateTime } from '../lib/time';
import { usePrefs } from '../lib/prefs';
import { ErrorNote } from '../ui/ErrorNote';
import { Link } from '../ui/Link';
import { SmShell } from './SmShell';
import { RoleBadge } from './RoleBadge';

export function Dashboard({ user }: { user: User }) {
  const prefs = usePrefs();
  const list = useQuery({ queryKey: ['shows'], queryFn: shows.list });
  return (
    <SmShell user={user}>
      <main className="page">
        <div className="page-head">
          <h1>Your shows</h1>
        </div>
        <div className="grid-2">
          <section aria-labelledby="shows-h">
            <h2 id="shows-h" className="sr-only">
              Shows
            </h2>
            {list.isPending && <p className="muted">Loading…</p>}
            <ErrorNote error={list.error} />
            {list.data && list.data.shows.length === 0 && (
              <p className="empty">No shows yet. Start one with the form — it comes with the usual departments.</p>
            )}
            <ul className="card-list">
              {list.data?.shows.map((s) => (
                <li key={s.id}>
                  <Link href={`/shows/${s.id}`} className="card card-link">
                    <strong>
                      {s.name} <RoleBadge role={s.role} />
                    </strong>
                    <span className="muted">
                      {[s.venue, s.firstPerformanceAt && formatDateTime(s.firstPerformanceAt, prefs.hour24)]
                        .filter(Boolean)
                        .join(' · ') || 'No venue or date yet'}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          </section>
          <NewShow />
        </div>
      </main>
    </SmShell>
  );
}

function NewShow() {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [venue, setVenue] = useState('');
  const [first, setFirst] = useState('');
  const create = useMutation({
    mutationFn: () =>
      shows.create({
        name,
        venue,
        firstPerformanceAt: first ? new Date(first).toISOString() : null,
      }),
    onSuccess: ({ show }) => {
      void qc.invalidateQueries({ queryKey: ['shows'] });
      navigate(`/shows/${show.id}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <section className="card" aria-labelledby="new-show-h">
      <h2 id="new-show-h">New show</h2>
      <form onSubmit={submit} className="stack">
        <label className="field">
          <span>Name</span>
          <input required value={name} onChange={(e) => setName(e.target.value)} placeholder="The Tempest" />
        </label>
        <label className="field">
          <span>Venue</span>
          <input value={venue} onChange={(e) => setVenue(e.target.value)} placeholder="Main House" />
        </label>
        <label className="field">
          <span>First performance</span>
          <input type="datetime-local" value={first} onChange={(e) => setFirst(e.target.value)} />
        </label>
        <ErrorNote error={create.error} />
        <button className="btn btn-primary" type="submit" disabled={create.isPending || !name.trim()}>
          Create show
        </button>
      </form>
    </section>
  );
}
