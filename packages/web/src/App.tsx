/** Routes: SM pages behind a login; crew pages behind a share token. */
import { lazy, Suspense, useEffect } from 'react';
import type { User } from '@cuebe/protocol';
import { matchRoute, navigate, usePath, type Route } from './lib/router';
import { useMe } from './sm/useMe';
import { AuthPage } from './sm/AuthPage';
import { Dashboard } from './sm/Dashboard';
import { ShowPage } from './sm/ShowPage';
import { CrewHome } from './crew/CrewHome';
import { CrewScriptPage } from './crew/CrewScriptPage';
import { TopBar } from './ui/TopBar';
import { ErrorNote } from './ui/ErrorNote';

// The workspace carries dnd-kit and the sync client: load it only for SMs who open a script.
const Workspace = lazy(() => import('./workspace/Workspace'));
const PrintBook = lazy(() => import('./print/PrintBook'));
const PerformancesPage = lazy(() => import('./report/PerformancesPage'));
const ShowReportPage = lazy(() => import('./report/ShowReportPage'));

export function App() {
  const route = matchRoute(usePath());
  if (route.name === 'crewHome') return <CrewHome />;
  if (route.name === 'crewScript') return <CrewScriptPage scriptId={route.scriptId} />;
  if (route.name === 'login' || route.name === 'signup') return <AuthPage mode={route.name} />;
  if (route.name === 'notFound') return <NotFound />;
  return <SmRoutes route={route} />;
}

function SmRoutes({
  route,
}: {
  route: Exclude<Route, { name: 'crewHome' | 'crewScript' | 'login' | 'signup' | 'notFound' }>;
}) {
  const me = useMe();
  useEffect(() => {
    if (me.status === 'anonymous') navigate('/login', { replace: true });
  }, [me.status]);
  if (me.status === 'loading' || me.status === 'anonymous') return <Loading />;
  if (me.status === 'error')
    return (
      <>
        <TopBar />
        <main className="page">
          <ErrorNote error={me.error} />
        </main>
      </>
    );
  return <SmPage route={route} user={me.user} />;
}

function SmPage({ route, user }: { route: Parameters<typeof SmRoutes>[0]['route']; user: User }) {
  switch (route.name) {
    case 'home':
      return <Dashboard user={user} />;
    case 'show':
      return <ShowPage key={route.showId} user={user} showId={route.showId} />;
    case 'script':
      return (
        <Suspense fallback={<Loading />}>
          <Workspace key={route.scriptId} user={user} scriptId={route.scriptId} />
        </Suspense>
      );
    case 'print':
      return (
        <Suspense fallback={<Loading />}>
          <PrintBook user={user} scriptId={route.scriptId} />
        </Suspense>
      );
    case 'performances':
      return (
        <Suspense fallback={<Loading />}>
          <PerformancesPage key={route.scriptId} user={user} scriptId={route.scriptId} />
        </Suspense>
      );
    case 'performance':
      return (
        <Suspense fallback={<Loading />}>
          <ShowReportPage key={route.performanceId} user={user} performanceId={route.performanceId} />
        </Suspense>
      );
  }
}

function Loading() {
  return (
    <div className="loading" role="status">
      Loading…
    </div>
  );
}

function NotFound() {
  return (
    <>
      <TopBar />
      <main className="page">
        <h1>Page not found</h1>
        <p className="muted">If you are crew, open the link your stage manager sent you again.</p>
      </main>
    </>
  );
}
