/**
 * Keeps a crew phone's screen on in show mode (Screen Wake Lock API). The browser drops the
 * lock whenever the page is hidden, so it is asked for again each time the page is visible.
 * The API needs a secure context (https or localhost): on plain http over a venue LAN it is not
 * there, and the page asks the operator to turn auto-lock off instead (docs/LIVE.md).
 */
import { useEffect, useState } from 'react';

/** 'on': the screen stays on; 'unavailable': no API here; 'refused': the browser said no (battery saver…). */
export type WakeLockStatus = 'pending' | 'on' | 'unavailable' | 'refused';

interface Sentinel {
  released: boolean;
  release(): Promise<void>;
  addEventListener(type: 'release', fn: () => void): void;
}
interface WakeLockApi {
  request(type: 'screen'): Promise<Sentinel>;
}

function wakeLockApi(): WakeLockApi | null {
  if (!window.isSecureContext) return null;
  return (navigator as { wakeLock?: WakeLockApi }).wakeLock ?? null;
}

export function useWakeLock(active: boolean): WakeLockStatus {
  const [status, setStatus] = useState<WakeLockStatus>(() => (wakeLockApi() ? 'pending' : 'unavailable'));
  useEffect(() => {
    const api = wakeLockApi();
    if (!active || !api) return;
    let sentinel: Sentinel | null = null;
    let ended = false;
    const request = () => {
      if (document.visibilityState !== 'visible' || (sentinel && !sentinel.released)) return;
      api.request('screen').then(
        (s) => {
          if (ended) return void s.release();
          sentinel = s;
          setStatus('on');
          // Released by the browser (page hidden, battery saver): say so until it is back.
          s.addEventListener('release', () => !ended && setStatus(document.hidden ? 'on' : 'refused'));
        },
        () => !ended && setStatus('refused'),
      );
    };
    request();
    document.addEventListener('visibilitychange', request);
    return () => {
      ended = true;
      document.removeEventListener('visibilitychange', request);
      void sentinel?.release();
    };
  }, [active]);
  return status;
}
