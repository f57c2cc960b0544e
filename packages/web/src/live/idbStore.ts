/**
 * The sync client's storage on IndexedDB (idb-keyval): the SM's unacknowledged edits and last
 * confirmed state, one record per script, so edits made offline survive a reload. The client
 * parses what comes back, so an old or damaged record is ignored, not trusted.
 */
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { PendingStore, PersistedState } from '@cuebe/client';

let db: UseStore | null = null;
function store(): UseStore {
  return (db ??= createStore('cuebe', 'sync'));
}

export class IdbPendingStore implements PendingStore {
  constructor(private readonly key: string) {}

  async get(): Promise<unknown> {
    try {
      return await get(this.key, store());
    } catch {
      // IndexedDB unavailable (private mode in some browsers): start from the server.
      return undefined;
    }
  }

  async set(state: PersistedState): Promise<void> {
    await set(this.key, state, store());
  }

  async clear(): Promise<void> {
    await del(this.key, store());
  }
}

export function scriptStoreKey(scriptId: string): string {
  return `script:${scriptId}`;
}
