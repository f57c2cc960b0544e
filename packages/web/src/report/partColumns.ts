/**
 * The act and interval columns of the performances table. Runs are compared part by part: the
 * second "Act" of one run sits under the second "Act" of another, whatever the others called.
 */
import type { ReportPart } from '../api/performances';

export interface PartColumn {
  key: string;
  label: string;
  kind: ReportPart['kind'];
}

/** A part's key: its label and which one of that label it is in its run ("Act 1#1"). */
export function partKeys(parts: readonly ReportPart[]): string[] {
  const seen = new Map<string, number>();
  return parts.map((p) => {
    const n = (seen.get(p.label) ?? 0) + 1;
    seen.set(p.label, n);
    return `${p.label}#${n}`;
  });
}

/** Every part that any run has, in the order runs have them (the run with the most parts first). */
export function partColumns(runs: readonly { parts: readonly ReportPart[] }[]): PartColumn[] {
  const columns: PartColumn[] = [];
  const have = new Set<string>();
  const byLength = [...runs].sort((a, b) => b.parts.length - a.parts.length);
  for (const run of byLength) {
    const keys = partKeys(run.parts);
    run.parts.forEach((p, i) => {
      const key = keys[i]!;
      if (have.has(key)) return;
      have.add(key);
      const n = Number(key.slice(key.lastIndexOf('#') + 1));
      columns.push({ key, label: n > 1 ? `${p.label} (${n})` : p.label, kind: p.kind });
    });
  }
  return columns;
}
