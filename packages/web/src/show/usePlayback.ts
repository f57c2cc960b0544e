/** The playback state and the cue rows derived from it (recomputed when either changes). */
import { useMemo } from 'react';
import type { SyncClient } from '@cuebe/client';
import { cueRows, FULL_VIEW, type CueRow, type PlaybackState } from '@cuebe/protocol';
import { useLive } from '../live/useLive';

export function usePlayback(live: SyncClient): PlaybackState | null {
  return useLive(live, (v) => v.playback);
}

/**
 * Every cue the client holds, with its status. The client holds only its own view, so the full
 * view here filters nothing more; the status of a row does not depend on the second (except for
 * the one-minute overdue rule), so it is computed when the state or the script changes.
 */
export function useCueRows(live: SyncClient, playback: PlaybackState | null): CueRow[] {
  const elements = useLive(live, (v) => v.elements);
  return useMemo(() => {
    if (!playback) return [];
    return cueRows(playback, elements.values(), live.serverNow() ?? playback.updatedAtServerMs, FULL_VIEW);
  }, [live, playback, elements]);
}
