/**
 * A crew device's notification preferences (localStorage, this device only): which changes show
 * a toast, and whether it chimes. The SM's follow their account (GET/PATCH /api/auth/me/preferences).
 */
import { useSyncExternalStore } from 'react';
import { DEFAULT_NOTIFY_PREFS, NotifyPrefs } from '@cuebe/protocol';

const KEY = 'cuebe.notify';

function read(): NotifyPrefs {
  try {
    const parsed = NotifyPrefs.safeParse(JSON.parse(localStorage.getItem(KEY) ?? 'null'));
    return parsed.success ? parsed.data : { ...DEFAULT_NOTIFY_PREFS, changes: 'departments' };
  } catch {
    return { ...DEFAULT_NOTIFY_PREFS, changes: 'departments' };
  }
}

let current = read();
const listeners = new Set<() => void>();
window.addEventListener('storage', (e) => {
  if (e.key !== KEY) return;
  current = read();
  listeners.forEach((l) => l());
});

export function deviceNotifyPrefs(): NotifyPrefs {
  return current;
}

export function setDeviceNotifyPrefs(patch: Partial<NotifyPrefs>): void {
  current = { ...current, ...patch };
  try {
    localStorage.setItem(KEY, JSON.stringify(current));
  } catch {
    // no storage: holds for this page
  }
  listeners.forEach((l) => l());
}

export function useDeviceNotifyPrefs(): NotifyPrefs {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}

/** A short two-note chime made with Web Audio: no sound file to bundle or fetch. */
export function chime(): void {
  try {
    const Ctx = window.AudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    [880, 1320].forEach((f, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.15, ctx.currentTime + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + i * 0.12 + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + i * 0.12);
      osc.stop(ctx.currentTime + i * 0.12 + 0.3);
    });
    window.setTimeout(() => void ctx.close(), 800);
  } catch {
    // Audio not allowed yet (no user gesture): the toast still shows.
  }
}
