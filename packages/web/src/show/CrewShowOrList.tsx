/**
 * Show mode while the show is on (running, paused, held, or just complete), the running list
 * otherwise; the crew member can switch either way. A nudge from the SM reaches either. Change
 * toasts float over the list, but in show mode they take their own place below the cues, so
 * nothing covers the next call.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { SyncClient } from '@cuebe/client';
import { CrewShowMode } from './CrewShowMode';
import { NudgeAlert } from './NudgeAlert';
import { usePlayback } from './usePlayback';

export function CrewShowOrList({
  live,
  list,
  toast,
  crewId,
}: {
  live: SyncClient;
  list: ReactNode;
  /** The change toasts, floating (list) or in a place of their own (show mode). */
  toast: (placement: 'float' | 'inline') => ReactNode;
  /** This crew member (from /api/crew-access/me); null while it loads. */
  crewId: string | null;
}) {
  const playback = usePlayback(live);
  const active = playback !== null && playback.status !== 'STOPPED';
  const [choice, setChoice] = useState<'show' | 'list' | null>(null);
  useEffect(() => {
    // Diagnostics for support and tests: this device's show time, clock quality and the
    // playback version it holds (has it seen the latest call?).
    const w = window as { cuebe?: unknown };
    w.cuebe = {
      showTime: () => live.showTime(),
      syncQuality: () => live.syncQuality(),
      playbackVersion: () => live.getSnapshot().playback?.version ?? null,
    };
    return () => {
      delete w.cuebe;
    };
  }, [live]);
  const showMode = playback !== null && (choice ?? (active ? 'show' : 'list')) === 'show';
  const toggle = playback && (
    <button type="button" className="mode-toggle" onClick={() => setChoice(showMode ? 'list' : 'show')}>
      {showMode ? 'Script list' : 'Show mode'}
    </button>
  );
  return (
    <>
      <NudgeAlert live={live} crewId={crewId} />
      {showMode && playback ? (
        <CrewShowMode live={live} playback={playback} crewId={crewId} controls={toggle} toast={toast('inline')} />
      ) : (
        <>
          {toggle}
          {list}
          {toast('float')}
        </>
      )}
    </>
  );
}
