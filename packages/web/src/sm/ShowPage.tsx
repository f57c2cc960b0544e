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

export const showKey = (showId: string) => ['show', showId] as const;

export function ShowPage({ user, showId }: { user: User; showId: string }) {
  const q = useQuery({ queryKey: showKey(showId), queryFn: () => shows.get(showId) });
  return (
    <SmShell
      user={user}
      crumbs={
        <>
          <Link href="/">Shows</Link>
          {q.data && <span aria-current="page">{q.data.show.name}</span>}
        </>
      }
    >
      <main className="page">
        {q.isPending && <p className="muted">Loading…</p>}
        <ErrorNote error={q.error} />
        {q.data && (
          <>
            <ShowDetails show={q.data.show} />
            <div className="show-grid">
              <ScriptsPanel showId={showId} scripts={q.data.scripts} />
              <CrewPanel showId={showId} crew={q.data.crew} departments={q.data.departments} />
              <DepartmentsPanel showId={showId} departments={q.data.departments} />
            </div>
          </>
        )}
      </main>
    </SmShell>
  );
}
