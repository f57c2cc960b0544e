/**
 * One live script for as long as the component is mounted: a SyncClient over /ws/script/:id.
 * The SM's client keeps its queue of unsaved edits in IndexedDB (survives reloads and offline);
 * crew clients are read-only and send their share token in the hello, never in the URL.
 */
import { useEffect, useState } from 'react';
import { SyncClient } from '@cuebe/client';
import { deviceId } from '../lib/deviceId';
import { uuid } from '../lib/uuid';
import { IdbPendingStore, scriptStoreKey } from './idbStore';

export function socketUrl(scriptId: string): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/ws/script/${encodeURIComponent(scriptId)}`;
}

export function useLiveScript(scriptId: string, opts: { token?: string } = {}): SyncClient | null {
  const [client, setClient] = useState<SyncClient | null>(null);
  const { token } = opts;
  useEffect(() => {
    const c = new SyncClient({
      url: socketUrl(scriptId),
      deviceId: deviceId(),
      // crypto.randomUUID needs a secure context; phones on a LAN address often have none.
      newId: uuid,
      ...(token ? { token } : { storage: new IdbPendingStore(scriptStoreKey(scriptId)) }),
    });
    setClient(c);
    void c.start();
    return () => c.close();
  }, [scriptId, token]);
  return client;
}
