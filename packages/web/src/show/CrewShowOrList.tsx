/**
 * Show mode while the show is on (running, paused, held, or just complete), the running list
 * otherwise; the crew member can switch either way.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { SyncClient } from '@cuebe/client';
import { CrewShowMode } from './CrewShowMode';
import { usePlayback } from './usePlayback';

export function CrewShowOrList({ live, list }: { live: SyncClient; list: ReactNode }) {
  const playback = usePlayback(live);
  const active = playback !== null && playback.status !== 'STOPPED';
  const [choice, setChoice] = useState<'show' | 'list' | null>(null);
  useEffect(() => {
    // Diagnostics for support and tests: this device's show time and clock quality.
    const w = window as { cuebe?: unknown };
    w.cuebe = { showTime: () => live.showTime(), syncQuality: () => live.syncQuality() };
    return () => {
      delete w.cuebe;
    };
  }, [live]);
  const showMode = playback !== null && (choice ?? (active ? 'show' : 'list')) === 'show';
  return (
    <>
      {playback && (
        <button className="mode-toggle" onClick={() => setChoice(showMode ? 'list' : 'show')}>
          {showMode ? 'Script list' : 'Show mode'}
        </button>
      )}
      {showMode && playback ? <CrewShowMode live={live} playback={playback} /> : list}
    </>
  );
}
