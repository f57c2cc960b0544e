/**
 * Where the server's time went: reads a V8 .cpuprofile (from `npm run bench -- --cpu-prof DIR`)
 * and prints self time by area (database, JSON, ws, validation, GC, …) and the heaviest functions,
 * self and inclusive.
 *
 *   npx tsx bench/src/profile-summary.ts DIR/CPU.….cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const Profile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

/** First match wins: more specific places before general ones. */
const AREAS: [string, (url: string, fn: string) => boolean][] = [
  ['idle', (_u, f) => f === '(idle)'],
  ['garbage collection', (_u, f) => f === '(garbage collector)'],
  ['native / program (syscalls, libuv, C++)', (_u, f) => f === '(program)'],
  ['PGlite (Postgres in WebAssembly)', (u) => u.includes('@electric-sql/pglite') || u.startsWith('wasm://')],
  ['node-postgres', (u) => /node_modules\/(pg|pg-protocol|pg-pool)\//.test(u)],
  ['Drizzle ORM', (u) => u.includes('drizzle-orm')],
  ['zod validation', (u) => u.includes('node_modules/zod')],
  ['ws (framing, sends)', (u) => u.includes('node_modules/ws/')],
  ['Fastify / pino', (u) => /node_modules\/(fastify|@fastify|pino|find-my-way|light-my-request)/.test(u)],
  ['hub', (u) => u.includes('packages/server/src/hub/')],
  ['commit pipeline (scripts/)', (u) => u.includes('packages/server/src/scripts/')],
  ['server (other)', (u) => u.includes('packages/server/src/')],
  ['protocol (applyOp, views)', (u) => u.includes('packages/protocol/src/')],
  [
    'socket writes/reads (native)',
    (u, f) =>
      u === '' &&
      /^(writev|writeBuffer|writeUtf8String|writeLatin1String|writeAsciiString|readStart|readStop|onStreamRead)$/.test(
        f,
      ),
  ],
  ['JSON, crypto, other builtins (no URL)', (u) => u === ''],
  ['node internals', (u) => u.startsWith('node:')],
  ['other', () => true],
];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
});
const file = positionals[0];
if (!file) {
  console.error('usage: tsx bench/src/profile-summary.ts FILE.cpuprofile [--top N]');
  process.exit(2);
}
const top = Number(values.top) || 25;
const p = Profile.parse(JSON.parse(readFileSync(file, 'utf8')));

const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const short = (url: string) =>
  url
    .replace(/^.*node_modules\//, '')
    .replace(/^.*packages\//, '')
    .replace(/^file:\/\//, '');
const key = (id: number) => {
  const f = byId.get(id)!.callFrame;
  return `${f.functionName || '(anonymous)'}  ${short(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
};

const areas = new Map<string, number>();
const selfBy = new Map<string, number>();
for (const [id, us] of self) {
  const f = byId.get(id)!.callFrame;
  const area = AREAS.find(([, test]) => test(f.url, f.functionName))![0];
  areas.set(area, (areas.get(area) ?? 0) + us);
  selfBy.set(key(id), (selfBy.get(key(id)) ?? 0) + us);
}

// Inclusive time: a function counts once per sample even when it recurses.
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
for (const [id, us] of self) {
  if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(cur);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}

const busy = total - (areas.get('idle') ?? 0);
const pct = (us: number, of: number) => `${((100 * us) / of).toFixed(1).padStart(5)}%`;
const print = (title: string, m: Map<string, number>, of: number, n: number) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(`  ${pct(us, of)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`);
print('Self time by area (% of busy time)', new Map([...areas].filter(([a]) => a !== 'idle')), busy, AREAS.length);
selfBy.delete('(idle)  ');
print(`Heaviest functions, self time (% of busy)`, selfBy, busy, top);
print(`Heaviest functions, inclusive (% of busy)`, inclusive, busy, top);
