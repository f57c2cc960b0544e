/**
 * Read one slice of a live script. Each component selects only what it shows, so a presence
 * update re-renders the presence badge and not the cue table (STYLE §11).
 */
import { useSyncExternalStore } from 'react';
import type { SyncClient, SyncSnapshot } from '@cuebe/client';

export function useLive<T>(live: SyncClient, select: (v: SyncSnapshot) => T): T {
  return useSyncExternalStore(live.subscribe, () => select(live.getSnapshot()));
}
