/** One show: its details, departments, scripts and crew with their share links. */
import { useQuery } from '@tanstack/react-query';
import type { User } from '@cuebe/protocol';
import { shows } from '../api/sm';
import { ErrorNote } from '../ui/ErrorNote';
import { Link } from '../ui/Link';
import { SmShell } from './SmShell';
import { ShowDetails } from './ShowDetails';
import { DepartmentsPanel } from './DepartmentsPanel';
import { ScriptsPanel } from './ScriptsPanel';
import { CrewPanel } from './CrewPanel';
import { RoleBadge } from './RoleBadge';
import { TeamPanel } from './TeamPanel';

export const showKey = (showId: string) => ['show', showId] as const;

export function ShowPage({ user, showId }: { user: User; showId: string }) {
  const q = useQuery({ queryKey: showKey(showId), queryFn: () => shows.get(showId) });
  return (
    <SmShell
      user={user}
      crumbs={
        <>
          <Link href="/">Shows</Link>
          {q.data && (
            <span aria-current="page">
              {q.data.show.name} <RoleBadge role={q.data.role} />
            </span>
          )}
        </>
      }
    >
      <main className="page">
        {q.isPending && <p className="muted">Loading…</p>}
        <ErrorNote error={q.error} />
        {q.data && (
          <>
            {/* What a role may not change is shown but disabled (docs/SPEC.md P12, P13). */}
            <fieldset className="role-scope" disabled={q.data.role !== 'owner'}>
              <ShowDetails show={q.data.show} />
            </fieldset>
            <div className="show-grid">
              <fieldset className="role-scope" disabled={q.data.role === 'viewer'}>
                <ScriptsPanel showId={showId} scripts={q.data.scripts} />
              </fieldset>
              {q.data.role === 'owner' && (
                <CrewPanel showId={showId} crew={q.data.crew} departments={q.data.departments} />
              )}
              <TeamPanel showId={showId} role={q.data.role} user={user} />
              <fieldset className="role-scope" disabled={q.data.role === 'viewer'}>
                <DepartmentsPanel showId={showId} departments={q.data.departments} />
              </fieldset>
            </div>
          </>
        )}
      </main>
    </SmShell>
  );
}
