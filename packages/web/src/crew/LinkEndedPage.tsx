/**
 * The clear full page a crew member lands on when their link stops working (revoked, rotated,
 * expired, script unshared, removed) — the socket closed with 1008 or REST answered 401/403/404.
 */
import { useEffect } from 'react';
import type { ApiError } from '../api/http';
import { forgetCrewToken } from '../lib/crewToken';
import { forgetCrewScripts } from '../lib/crewCache';
import { TopBar } from '../ui/TopBar';

const REASONS: Record<string, { title: string; body: string; forget: boolean }> = {
  revoked: { title: 'This link has been revoked', body: 'Your stage manager turned this link off.', forget: true },
  rotated: {
    title: 'This link has been replaced',
    body: 'Your stage manager made you a new link. Open the new one they send you.',
    forget: true,
  },
  expired: { title: 'This link has expired', body: 'Links last for a set time. Ask for a fresh one.', forget: true },
  removed: { title: 'You are no longer on this show’s crew', body: 'This link was removed.', forget: true },
  unshared: {
    title: 'This script is no longer shared',
    body: 'Your stage manager stopped sharing it. Other shared scripts are still on your list.',
    forget: false,
  },
  unknown: { title: 'This link does not work', body: 'It may have been mistyped or replaced.', forget: true },
  'no-token': {
    title: 'No share link on this device',
    body: 'Open the link your stage manager sent you (it starts with …/c#).',
    forget: false,
  },
};

/** Which page a refused REST call leads to (codes from the crew read API). */
export function reasonFromError(err: ApiError, forScript = false): string {
  if (err.code === 'REVOKED' || err.status === 403) return 'revoked';
  if (err.code === 'EXPIRED' || err.status === 401) return 'expired';
  // A script the link cannot open (unshared, deleted) is 404 too, but the link itself is fine.
  if (forScript && err.status === 404 && !/link/i.test(err.message)) return 'unshared';
  return 'unknown';
}

export function LinkEndedPage({ reason, detail }: { reason: string; detail?: string }) {
  const r = REASONS[reason] ?? REASONS.unknown!;
  useEffect(() => {
    if (r.forget) {
      forgetCrewToken();
      // A link that no longer works leaves no copy of the script on the device either.
      forgetCrewScripts();
    }
  }, [r.forget]);
  return (
    <>
      <TopBar home="/c" />
      <main className="link-ended" role="alert" aria-live="assertive" data-testid="link-ended" data-reason={reason}>
        <div className="link-ended-icon" aria-hidden="true">
          ⨯
        </div>
        <h1>{r.title}</h1>
        <p>{r.body}</p>
        {detail && <p className="muted small">{detail}</p>}
        {reason === 'unshared' ? (
          <a className="btn btn-primary" href="/c">
            Back to the scripts
          </a>
        ) : (
          <p className="muted">Ask your stage manager for a new link.</p>
        )}
      </main>
    </>
  );
}
