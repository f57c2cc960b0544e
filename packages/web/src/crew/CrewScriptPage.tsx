/**
 * The crew's live script: their departments' cues plus notes and groups, in time order, updated
 * as the SM edits — a subtle toast, a short highlight of what changed, and an aria-live line.
 * A link that stops working (socket closed 1008, or REST 401/403/404) leads to a clear page.
 */
import { useQuery } from '@tanstack/react-query';
import type { SyncClient } from '@cuebe/client';
import { CloseCode } from '@cuebe/protocol';
import { crewAccess } from '../api/crew';
import { crewToken } from '../lib/crewToken';
import { useLiveScript } from '../live/useLiveScript';
import { useLive } from '../live/useLive';
import { SyncBadge } from '../live/SyncBadge';
import { TopBar } from '../ui/TopBar';
import { Link } from '../ui/Link';
import { isDenial } from './useCrewAccess';
import { LinkEndedPage, reasonFromError } from './LinkEndedPage';
import { useEffect, useMemo } from 'react';
import { CrewCueList, StaticCueList } from './CrewCueList';
import { ChangeToast } from './ChangeToast';
import { CrewShowOrList } from '../show/CrewShowOrList';
import { NotifySettings } from './NotifySettings';
import { useCrewAccess } from './useCrewAccess';
import { loadCrewScript, saveCrewScript, type CachedScript } from '../lib/crewCache';
import { chime, setDeviceNotifyPrefs, useDeviceNotifyPrefs } from '../lib/notifyPrefs';
import { formatDateTime } from '../lib/time';
import { usePrefs } from '../lib/prefs';

export function CrewScriptPage({ scriptId }: { scriptId: string }) {
  const token = crewToken();
  if (!token) return <LinkEndedPage reason="no-token" />;
  return <CrewScript scriptId={scriptId} token={token} />;
}

function CrewScript({ scriptId, token }: { scriptId: string; token: string }) {
  // The socket says everything; this REST check only turns a dead link into the right page
  // at once, before the socket's own refusal arrives.
  const check = useQuery({
    queryKey: ['crew-script', token, scriptId],
    queryFn: () => crewAccess.script(token, scriptId),
    retry: (n, err) => !isDenial(err) && n < 2,
    staleTime: Infinity,
  });
  const live = useLiveScript(scriptId, { token });
  const cached = useMemo(() => loadCrewScript(scriptId), [scriptId]);
  if (check.isError && isDenial(check.error))
    return <LinkEndedPage reason={reasonFromError(check.error, true)} detail={check.error.message} />;
  if (!live) return null;
  return <CrewLive live={live} scriptId={scriptId} cached={cached} />;
}

function CrewLive({ live, scriptId, cached }: { live: SyncClient; scriptId: string; cached: CachedScript | null }) {
  const closed = useLive(live, (v) => (v.status === 'closed' ? (v.closeReason ?? null) : null));
  const script = useLive(live, (v) => v.script);
  const status = useLive(live, (v) => v.status);
  const access = useCrewAccess();
  const notify = useDeviceNotifyPrefs();
  const mine = useMemo<ReadonlySet<string> | 'all'>(() => {
    if (access.status !== 'ready' || access.me.crew.allDepartments) return 'all';
    return new Set(access.me.crew.departmentIds);
  }, [access]);
  // Keep what this device last saw, for a reopening with no connection.
  useEffect(() => {
    let timer = 0;
    const save = () => {
      const v = live.getSnapshot();
      if (v.status !== 'live' || !v.script) return;
      saveCrewScript(scriptId, {
        version: v.version,
        script: { id: scriptId, name: v.script.name, plannedStart: v.script.plannedStart },
        elements: [...v.elements.values()],
        departments: [...v.departments],
      });
    };
    save();
    const off = live.subscribe(() => {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 300);
    });
    return () => {
      off();
      window.clearTimeout(timer);
    };
  }, [live, scriptId]);
  if (closed) {
    if (closed.code === CloseCode.POLICY) return <LinkEndedPage reason={closed.reason || 'revoked'} />;
    if (closed.code === CloseCode.NOT_FOUND) return <LinkEndedPage reason="unshared" />;
    if (closed.code === CloseCode.FORBIDDEN) return <LinkEndedPage reason="unknown" />;
    return <LinkEndedPage reason="unknown" detail={closed.reason} />;
  }
  return (
    <>
      <TopBar home="/c" crumbs={<Link href="/c">Scripts</Link>} right={<SyncBadge live={live} showPending={false} />} />
      <main className="crew-script">
        {!script ? (
          cached ? (
            <CachedView cached={cached} />
          ) : (
            <p className="muted loading">Connecting to the script…</p>
          )
        ) : (
          <>
            <div className="crew-script-head">
              <h1>{script.name}</h1>
              <SmPresence live={live} />
            </div>
            {status !== 'live' && (
              <p className="not-live" role="status" data-testid="not-live">
                Not live — reconnecting. Changes made meanwhile will arrive when the connection is back.
              </p>
            )}
            <CrewShowOrList
              live={live}
              list={
                <>
                  <NotifySettings prefs={notify} onChange={setDeviceNotifyPrefs} />
                  <CrewCueList live={live} />
                </>
              }
              toast={(placement) => (
                <ChangeToast
                  live={live}
                  prefs={notify}
                  mine={mine}
                  onNotify={notify.sound ? chime : undefined}
                  placement={placement}
                />
              )}
              crewId={access.status === 'ready' ? access.me.crew.id : null}
            />
          </>
        )}
      </main>
    </>
  );
}

function CachedView({ cached }: { cached: CachedScript }) {
  const prefs = usePrefs();
  return (
    <>
      <div className="crew-script-head">
        <h1>{cached.script.name}</h1>
      </div>
      <p className="not-live" role="status" data-testid="not-live">
        Not live — no connection to the stage manager. This is the script as this device last saw it,{' '}
        {formatDateTime(cached.savedAt, prefs.hour24)}.
      </p>
      <StaticCueList
        elements={cached.elements}
        departments={cached.departments}
        plannedStart={cached.script.plannedStart}
      />
    </>
  );
}

function SmPresence({ live }: { live: SyncClient }) {
  const sm = useLive(live, (v) => v.presence?.sm.connected ?? null);
  if (sm === null) return null;
  return (
    <span className={`sm-presence ${sm ? 'on' : 'off'}`}>{sm ? 'Stage manager online' : 'Stage manager away'}</span>
  );
}
