/**
 * A show's production team: who is on it and as what. The owner invites accounts by email,
 * changes roles, removes members and hands the show over; everyone else sees the list (and may
 * leave). docs/SPEC.md P11–P15.
 */
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Member, MemberRole, ShowRole, User } from '@cuebe/protocol';
import { team } from '../api/team';
import { navigate } from '../lib/router';
import { ErrorNote } from '../ui/ErrorNote';
import { RoleBadge } from './RoleBadge';
import './team.css';

export const teamKey = (showId: string) => ['team', showId] as const;

export function TeamPanel({ showId, role, user }: { showId: string; role: ShowRole; user: User }) {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: teamKey(showId), queryFn: () => team.list(showId) });
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: teamKey(showId) });
    void qc.invalidateQueries({ queryKey: ['show', showId] });
  };
  const setRole = useMutation({
    mutationFn: ({ userId, next }: { userId: string; next: MemberRole }) => team.setRole(showId, userId, next),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (userId: string) => team.remove(showId, userId),
    onSuccess: (_r, userId) => (userId === user.id ? navigate('/') : refresh()),
  });
  const transfer = useMutation({ mutationFn: (userId: string) => team.transfer(showId, userId), onSettled: refresh });
  const owner = role === 'owner';

  function row(m: Member) {
    const me = m.userId === user.id;
    return (
      <li key={m.userId} className="team-row" data-testid={`member-${m.email}`}>
        <span className="team-who">
          <strong>{m.displayName}</strong>
          {me && <span className="muted"> (you)</span>}
          <span className="muted team-email">{m.email}</span>
        </span>
        {owner && m.role !== 'owner' ? (
          <select
            aria-label={`Role of ${m.displayName}`}
            value={m.role}
            onChange={(e) =>
              setRole.mutate({ userId: m.userId, next: e.target.value === 'viewer' ? 'viewer' : 'editor' })
            }
          >
            <option value="editor">Editor</option>
            <option value="viewer">Viewer</option>
          </select>
        ) : (
          <RoleBadge role={m.role} />
        )}
        {owner && m.role !== 'owner' && (
          <>
            <button
              type="button"
              className="btn btn-ghost"
              onClick={() =>
                window.confirm(`Hand ${m.displayName} this show? You stay on as an editor.`) &&
                transfer.mutate(m.userId)
              }
            >
              Make owner
            </button>
            <button
              type="button"
              className="btn btn-ghost btn-icon"
              aria-label={`Remove ${m.displayName}`}
              title="Remove from the team"
              onClick={() => window.confirm(`Remove ${m.displayName} from the team?`) && remove.mutate(m.userId)}
            >
              ×
            </button>
          </>
        )}
        {!owner && me && (
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() => window.confirm('Leave this show’s team?') && remove.mutate(m.userId)}
          >
            Leave
          </button>
        )}
      </li>
    );
  }

  return (
    <section className="card panel" aria-labelledby="team-h">
      <h2 id="team-h">Team</h2>
      <p className="muted">
        Editors (deputy and assistant SMs) edit the scripts and call the show; viewers read everything. Crew links and
        the team stay with the owner.
      </p>
      {q.isPending && <p className="muted">Loading…</p>}
      <ErrorNote error={q.error ?? setRole.error ?? remove.error ?? transfer.error} />
      <ul className="team-list">{q.data?.members.map(row)}</ul>
      {owner && <Invite showId={showId} onDone={refresh} />}
    </section>
  );
}

function Invite({ showId, onDone }: { showId: string; onDone: () => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MemberRole>('editor');
  const invite = useMutation({
    mutationFn: () => team.invite(showId, email.trim(), role),
    onSuccess: () => {
      setEmail('');
      onDone();
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    invite.mutate();
  }
  return (
    <form onSubmit={submit} className="stack" aria-label="Invite to the team">
      <label className="field">
        <span>Email of their Cuebe account</span>
        <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label className="field">
        <span>Role</span>
        <select value={role} onChange={(e) => setRole(e.target.value === 'viewer' ? 'viewer' : 'editor')}>
          <option value="editor">Editor — edits scripts, calls the show</option>
          <option value="viewer">Viewer — reads only</option>
        </select>
      </label>
      <ErrorNote error={invite.error} />
      <button className="btn btn-primary" type="submit" disabled={invite.isPending || !email.trim()}>
        Invite
      </button>
    </form>
  );
}
