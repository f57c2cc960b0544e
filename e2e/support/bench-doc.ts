/** Writes this suite's section of docs/BENCHMARKS.md, leaving every other section as it is. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const file = fileURLToPath(new URL('../../docs/BENCHMARKS.md', import.meta.url));

export function writeSection(heading: string, body: string): void {
  const title = `## ${heading}`;
  const section = `${title}\n\n${body.trim()}\n`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(title);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + title.length);
    text = text.slice(0, start) + section + (next >= 0 ? text.slice(next + 1) : '');
  } else {
    text = text.replace(/\s*$/, '\n\n') + section;
  }
  mkdirSync(fileURLToPath(new URL('../../docs', import.meta.url)), { recursive: true });
  writeFileSync(file, text);
}

export function stats(samples: number[]): { median: number; p95: number; min: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { median: at(0.5), p95: at(0.95), min: s[0]!, max: s.at(-1)! };
}
