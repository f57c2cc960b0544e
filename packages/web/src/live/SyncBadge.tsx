/**
 * Connection state, always on screen: live / connecting / reconnecting / offline with N queued
 * edits, and saving delayed while the server's database is not answering.
 */
import type { SyncClient } from '@cuebe/client';
import { useLive } from './useLive';

const TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
  closed: 'Disconnected',
} as const;

export function SyncBadge({ live, showPending = true }: { live: SyncClient; showPending?: boolean }) {
  const status = useLive(live, (v) => v.status);
  const pending = useLive(live, (v) => v.pendingCount);
  const delayed = useLive(live, (v) => v.savingDelayed);
  const queued = showPending && pending > 0;
  let text: string = TEXT[status];
  const edits = `${pending} edit${pending === 1 ? '' : 's'}`;
  if (queued && status === 'live' && delayed) text += ` · saving delayed (database not answering) · ${edits} kept`;
  else if (queued) text += status === 'live' ? ` · saving ${pending}` : ` · ${edits} queued`;
  else if (showPending && status === 'live') text += ' · all saved';
  return (
    <span
      className={`sync-badge sync-${status}${queued && delayed ? ' sync-delayed' : ''}`}
      role="status"
      aria-live="polite"
      data-testid="sync-status"
      data-status={status}
    >
      <span className="sync-dot" aria-hidden="true" />
      {text}
    </span>
  );
}
