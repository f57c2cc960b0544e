/**
 * The rule ids of docs/SPEC.md and the tests that cite them agree (STYLE §7): every id a test
 * name cites is defined in the SPEC, every SPEC id is cited by at least one test, and no id is
 * defined twice.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const TEST_ROOTS = ['packages', 'e2e', 'chaos', 'bench', 'scripts'];
/** A rule id: an area prefix of capitals and a number (S3, P20, SC1). */
const ID = /^[A-Z]{1,3}\d+$/;

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(path));
    else if (entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Ids defined in the SPEC: a bullet that opens with the bold id ("- **S3 Catch-up.**"). */
export function specIds(spec: string): string[] {
  return [...spec.matchAll(/^- \*\*([A-Z]{1,3}\d+)\b/gm)].map((m) => m[1]!);
}

/** Ids a test name opens with: `it('S3 P6 catch-up …')` cites S3 and P6. */
export function citedIds(source: string): string[] {
  const ids: string[] = [];
  for (const m of source.matchAll(/\b(?:it|test|describe)(?:\.\w+)*\(\s*(['"`])(.*?)\1/g)) {
    for (const word of m[2]!.split(/\s+/)) {
      if (!ID.test(word)) break;
      ids.push(word);
    }
  }
  return ids;
}

const spec = readFileSync(join(root, 'docs', 'SPEC.md'), 'utf8');
const defined = specIds(spec);
const cited = new Map<string, string[]>();
for (const file of TEST_ROOTS.flatMap((d) => testFiles(join(root, d)))) {
  for (const id of citedIds(readFileSync(file, 'utf8'))) {
    cited.set(id, [...(cited.get(id) ?? []), relative(root, file)]);
  }
}

describe('SPEC rule ids', () => {
  it('reads test names the way they are written', () => {
    expect(citedIds(`it('S3 P6 catch-up is exact', () => {}); test("K1 a clock", f); it('no id here')`)).toEqual([
      'S3',
      'P6',
      'K1',
    ]);
    expect(specIds('- **S1 Persist.** text\n- **SC2 Offline.** more\n- plain bullet')).toEqual(['S1', 'SC2']);
  });

  it('defines each id once', () => {
    const twice = defined.filter((id, i) => defined.indexOf(id) !== i);
    expect(twice).toEqual([]);
  });

  it('defines every id a test cites', () => {
    const missing = [...cited.keys()].filter((id) => !defined.includes(id)).map((id) => `${id} (${cited.get(id)![0]})`);
    expect(missing).toEqual([]);
  });

  it('has a test for every id it defines', () => {
    expect(defined.filter((id) => !cited.has(id))).toEqual([]);
  });
});
