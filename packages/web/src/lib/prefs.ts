/**
 * Device preferences (kept in localStorage, never on the server): 24-hour time, dark mode and
 * text size. Applied to <html> as data attributes so CSS does the work.
 */
import { useSyncExternalStore } from 'react';
import { z } from 'zod';

export const TEXT_SIZES = ['small', 'normal', 'large', 'huge'] as const;
const Prefs = z.object({
  hour24: z.boolean().catch(true),
  dark: z.boolean().catch(true),
  textSize: z.enum(TEXT_SIZES).catch('normal'),
});
export type Prefs = z.infer<typeof Prefs>;

const KEY = 'cuebe.prefs';
const DEFAULTS: Prefs = { hour24: true, dark: true, textSize: 'normal' };

function read(): Prefs {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return DEFAULTS;
    const parsed = Prefs.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : DEFAULTS;
  } catch {
    return DEFAULTS;
  }
}

let current = read();
const listeners = new Set<() => void>();

function apply(p: Prefs): void {
  const root = document.documentElement;
  root.dataset.theme = p.dark ? 'dark' : 'light';
  root.dataset.textSize = p.textSize;
  document.querySelector('meta[name="theme-color"]')?.setAttribute('content', p.dark ? '#111418' : '#f7f7f5');
}
apply(current);

window.addEventListener('storage', (e) => {
  if (e.key !== KEY) return;
  current = read();
  apply(current);
  listeners.forEach((l) => l());
});

export function setPrefs(patch: Partial<Prefs>): void {
  current = { ...current, ...patch };
  try {
    localStorage.setItem(KEY, JSON.stringify(current));
  } catch {
    // Private mode without storage: the preference holds for this page only.
  }
  apply(current);
  listeners.forEach((l) => l());
}

export function usePrefs(): Prefs {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}
