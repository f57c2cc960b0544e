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
import { CrewCueList } from './CrewCueList';
import { ChangeToast } from './ChangeToast';
import { CrewShowOrList } from '../show/CrewShowOrList';

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
  if (check.isError && isDenial(check.error))
    return <LinkEndedPage reason={reasonFromError(check.error, true)} detail={check.error.message} />;
  if (!live) return null;
  return <CrewLive live={live} />;
}

function CrewLive({ live }: { live: SyncClient }) {
  const closed = useLive(live, (v) => (v.status === 'closed' ? (v.closeReason ?? null) : null));
  const script = useLive(live, (v) => v.script);
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
          <p className="muted loading">Connecting to the script…</p>
        ) : (
          <>
            <div className="crew-script-head">
              <h1>{script.name}</h1>
              <SmPresence live={live} />
            </div>
            <CrewShowOrList live={live} list={<CrewCueList live={live} />} />
          </>
        )}
      </main>
      <ChangeToast live={live} />
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
