/** One row of the figures table (docs/RELIABILITY.md), and what failed. */
export interface ScenarioResult {
  scenario: string;
  injected: string;
  load: string;
  sent: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Worst time from the fault's end to every client converged (ms), or null when not applicable. */
  recoveryMs: number | null;
  /** Other figures worth publishing (latencies, memory, counts). */
  figures: Record<string, string | number>;
  problems: string[];
  durationMs: number;
}

export const passed = (r: ScenarioResult): boolean => r.problems.length === 0;

export function expect(problems: string[], cond: boolean, message: string): void {
  if (!cond) problems.push(message);
}

/** A figure for a log line: whole milliseconds, or what it is when not a number. */
export const r0 = (v: number): number | string => (Number.isFinite(v) ? Math.round(v) : String(v));
