/**
 * Writes what a browser test measured to `test-results/e2e-figures.md` (one section per suite,
 * the others left as they are). Tests never write into docs/: docs/BENCHMARKS.md quotes a run's
 * figures by hand, with its command (STYLE §12).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../test-results/', import.meta.url));
const file = `${dir}e2e-figures.md`;

export function writeSection(heading: string, body: string): void {
  const title = `## ${heading}`;
  const section = `${title}\n\n${body.trim()}\n`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Browser test figures (the last run)\n';
  const start = text.indexOf(title);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + title.length);
    text = text.slice(0, start) + section + (next >= 0 ? text.slice(next + 1) : '');
  } else {
    text = text.replace(/\s*$/, '\n\n') + section;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, text);
}

export function stats(samples: number[]): { median: number; p95: number; min: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { median: at(0.5), p95: at(0.95), min: s[0]!, max: s.at(-1)! };
}
