/**
 * Every child process the bench starts is tracked here, so none outlives the bench: on exit
 * (normal, error, Ctrl-C or the time limit) whatever is still running is killed by its pid.
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
const cleanups = new Set<() => void>();

/** Synchronous cleanup (temp directories) that must also run when the bench is stopped early. */
export function atExit(f: () => void): () => void {
  cleanups.add(f);
  return () => cleanups.delete(f);
}

export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
  for (const f of cleanups) f();
});
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));
