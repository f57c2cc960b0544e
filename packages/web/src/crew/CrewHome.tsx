/** The crew member's start page: the show and its shared scripts. */
import { useCrewAccess } from './useCrewAccess';
import { LinkEndedPage, reasonFromError } from './LinkEndedPage';
import { Link } from '../ui/Link';
import { TopBar } from '../ui/TopBar';
import { ErrorNote } from '../ui/ErrorNote';
import { DeptChip } from '../ui/DeptChip';
import { useScriptListEvents } from './useScriptListEvents';

export function CrewHome() {
  const access = useCrewAccess();
  // Sharing a script shows here without a reload.
  useScriptListEvents(access.status === 'ready' ? access.token : null);
  if (access.status === 'no-token') return <LinkEndedPage reason="no-token" />;
  if (access.status === 'denied')
    return <LinkEndedPage reason={reasonFromError(access.error)} detail={access.error.message} />;
  return (
    <>
      <TopBar home="/c" />
      <main className="page crew-page">
        {access.status === 'loading' && <p className="muted">Loading…</p>}
        {access.status === 'error' && <ErrorNote error={access.error} />}
        {access.status === 'ready' && (
          <>
            <div className="crew-hello">
              <h1>{access.me.show.name}</h1>
              <p className="muted">
                {access.me.crew.name}
                {access.me.crew.role && ` · ${access.me.crew.role}`}
              </p>
              <div className="crew-depts">
                {access.me.crew.allDepartments ? (
                  <span className="badge">All departments</span>
                ) : (
                  access.me.departments
                    .filter((d) => access.me.crew.departmentIds.includes(d.id))
                    .map((d) => <DeptChip key={d.id} department={d} />)
                )}
              </div>
            </div>
            <h2>Scripts</h2>
            {access.me.scripts.length === 0 ? (
              <p className="empty">No scripts are shared yet. They appear here as soon as they are shared.</p>
            ) : (
              <ul className="card-list">
                {access.me.scripts.map((s) => (
                  <li key={s.id}>
                    <Link href={`/c/scripts/${s.id}`} className="card card-link">
                      <strong>{s.name}</strong>
                      <span className="muted">{s.status}</span>
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </main>
    </>
  );
}
