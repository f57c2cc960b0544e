/**
 * `npm run chaos`: every scenario against real node processes, real PostgreSQL (and a private
 * redis-server where one is needed), on loopback only. Each scenario is bounded in count and
 * has a hard time limit; the run prints the figures table docs/RELIABILITY.md publishes and
 * exits non-zero if any scenario found a problem.
 *
 *   npm run chaos                          everything, full counts
 *   npm run chaos -- --only crash,fuzz     some scenarios
 *   npm run chaos -- --only redis-hung     Redis frozen 20 s, then killed for 20 s, 3 nodes
 *   npm run chaos -- --crash 20 --fuzz 5000 --seed 7
 *   npm run chaos -- --only storm,bad-network,slow-consumers --storm 200 --slow 200
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { passed, type ScenarioResult } from './result';
import { crashScenario } from './scenarios/crash';
import { dbOutageScenario } from './scenarios/db-outage';
import { lostCommitReplyScenario } from './scenarios/lost-commit-reply';
import { dbConnectionLossScenario } from './scenarios/db-connection-loss';
import { dbHungScenario } from './scenarios/db-hung';
import { clockSkewScenario } from './scenarios/clock-skew';
import { expiryScenario } from './scenarios/expiry';
import { redisOutageScenario } from './scenarios/redis-outage';
import { redisHungScenario } from './scenarios/redis-hung';
import { fuzzScenario } from './scenarios/fuzz';
import { securityScenario } from './scenarios/security';
import { stormScenario } from './scenarios/storm';
import { badNetworkScenario } from './scenarios/bad-network';
import { slowConsumersScenario } from './scenarios/slow-consumers';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    crash: { type: 'string', default: '100' },
    fuzz: { type: 'string', default: '100000' },
    storm: { type: 'string', default: '2000' },
    slow: { type: 'string', default: '1000' },
    'lost-replies': { type: 'string', default: '70' },
    seed: { type: 'string', default: '20240607' },
    json: { type: 'string' },
  },
});
const seed = Number(values.seed);
const log = (line: string) => console.log(`  · ${line}`);

const scenarios: { name: string; limitMs: number; run: () => Promise<ScenarioResult> }[] = [
  { name: 'crash', limitMs: 12 * 60_000, run: () => crashScenario({ iterations: Number(values.crash), seed, log }) },
  { name: 'db-outage', limitMs: 90_000, run: () => dbOutageScenario({ outageMs: 10_000 }) },
  {
    name: 'lost-commit-reply',
    limitMs: 3 * 60_000,
    run: () => lostCommitReplyScenario({ rounds: Number(values['lost-replies']), log }),
  },
  { name: 'db-connection-loss', limitMs: 120_000, run: () => dbConnectionLossScenario({ rounds: 25 }) },
  { name: 'db-hung', limitMs: 120_000, run: () => dbHungScenario({ hangMs: 10_000 }) },
  { name: 'clock-skew', limitMs: 180_000, run: () => clockSkewScenario() },
  { name: 'redis-outage', limitMs: 120_000, run: () => redisOutageScenario({ outageMs: 5_000 }) },
  {
    name: 'redis-hung',
    limitMs: 4 * 60_000,
    run: () => redisHungScenario({ hangMs: 20_000, outageMs: 20_000 }),
  },
  { name: 'storm', limitMs: 4 * 60_000, run: () => stormScenario({ sockets: Number(values.storm), log }) },
  { name: 'bad-network', limitMs: 2 * 60_000, run: () => badNetworkScenario({ seed, faultMs: 20_000, log }) },
  {
    name: 'slow-consumers',
    limitMs: 3 * 60_000,
    run: () => slowConsumersScenario({ clients: Number(values.slow), log }),
  },
  { name: 'expiry', limitMs: 60_000, run: () => expiryScenario() },
  { name: 'fuzz', limitMs: 10 * 60_000, run: () => fuzzScenario({ frames: Number(values.fuzz), seed, log }) },
  { name: 'security', limitMs: 60_000, run: () => securityScenario() },
];

const only = values.only?.split(',').map((s) => s.trim());
const results: ScenarioResult[] = [];
for (const s of scenarios) {
  if (only && !only.includes(s.name)) continue;
  console.log(`▶ ${s.name}`);
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${s.limitMs / 1000} s`)), s.limitMs);
  });
  try {
    const r = await Promise.race([s.run(), limit]);
    results.push(r);
    console.log(`  ${passed(r) ? 'ok' : 'FAILED'} in ${(r.durationMs / 1000).toFixed(1)} s`);
    for (const p of r.problems.slice(0, 10)) console.log(`  ✗ ${p}`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.log(`  FAILED: ${message}`);
    results.push({
      scenario: s.name,
      injected: '',
      load: '',
      sent: 0,
      lost: 0,
      duplicated: 0,
      reordered: 0,
      recoveryMs: null,
      figures: {},
      problems: [message],
      durationMs: 0,
    });
  } finally {
    clearTimeout(timer);
  }
}

const ms = (v: number | null) => (v === null ? '—' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`);
console.log('\n| scenario | injected | load | ops sent | lost | duplicated | reordered | recovery | result |');
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |');
for (const r of results)
  console.log(
    `| ${r.scenario} | ${r.injected} | ${r.load} | ${r.sent} | ${r.lost} | ${r.duplicated} | ${r.reordered} | ${ms(r.recoveryMs)} | ${passed(r) ? 'pass' : 'FAIL'} |`,
  );
console.log('');
for (const r of results) {
  const f = Object.entries(r.figures);
  if (f.length)
    console.log(
      `- **${r.scenario}** (${(r.durationMs / 1000).toFixed(0)} s): ${f.map(([k, v]) => `${k}: ${v}`).join('; ')}`,
    );
}
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
process.exit(results.every(passed) ? 0 : 1);
