/**
 * A small client-side router: the path is the state, links push history entries. The server
 * answers every non-API path with index.html, so any of these can be opened directly.
 */
import { useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());
window.addEventListener('popstate', notify);

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  notify();
}

export type Route =
  | { name: 'home' }
  | { name: 'login' }
  | { name: 'signup' }
  | { name: 'show'; showId: string }
  | { name: 'script'; scriptId: string }
  | { name: 'print'; scriptId: string }
  | { name: 'performances'; scriptId: string }
  | { name: 'performance'; performanceId: string }
  | { name: 'crewHome' }
  | { name: 'crewScript'; scriptId: string }
  | { name: 'notFound' };

export function matchRoute(path: string): Route {
  const parts = path.split('/').filter(Boolean);
  const [a, b, c] = parts;
  if (parts.length === 0) return { name: 'home' };
  if (a === 'login' && parts.length === 1) return { name: 'login' };
  if (a === 'signup' && parts.length === 1) return { name: 'signup' };
  if (a === 'shows' && b && parts.length === 2) return { name: 'show', showId: b };
  if (a === 'scripts' && b && parts.length === 2) return { name: 'script', scriptId: b };
  if (a === 'scripts' && b && c === 'print' && parts.length === 3) return { name: 'print', scriptId: b };
  if (a === 'scripts' && b && c === 'performances' && parts.length === 3) return { name: 'performances', scriptId: b };
  if (a === 'performances' && b && parts.length === 2) return { name: 'performance', performanceId: b };
  if (a === 'c' && parts.length === 1) return { name: 'crewHome' };
  if (a === 'c' && b === 'scripts' && c && parts.length === 3) return { name: 'crewScript', scriptId: c };
  return { name: 'notFound' };
}
