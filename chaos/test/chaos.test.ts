/**
 * The fast chaos scenarios, run by `npm test` (the long runs are `npm run chaos`): a few crash
 * iterations, a fuzz sample, the security checks, credential expiry and a round of lost commit
 * replies — real node processes,
 * real PostgreSQL, the same independent checker.
 */
import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../src/result';
import { crashScenario } from '../src/scenarios/crash';
import { expiryScenario } from '../src/scenarios/expiry';
import { fuzzScenario } from '../src/scenarios/fuzz';
import { lostCommitReplyScenario } from '../src/scenarios/lost-commit-reply';
import { securityScenario } from '../src/scenarios/security';

const clean = (r: ScenarioResult) => {
  expect(r.problems).toEqual([]);
  expect({ lost: r.lost, duplicated: r.duplicated, reordered: r.reordered }).toEqual({
    lost: 0,
    duplicated: 0,
    reordered: 0,
  });
};

describe('chaos (fast sample)', () => {
  it('crash: SIGKILL mid-stream × 4 loses, doubles and reorders nothing; clients converge within 5 s', async () => {
    const r = await crashScenario({ iterations: 4, seed: 11 });
    clean(r);
    expect(r.recoveryMs).toBeLessThan(5_000);
  }, 120_000);

  it('fuzz: 3,000 hostile frames and malformed handshakes — every one answered, database unchanged', async () => {
    const r = await fuzzScenario({ frames: 3_000, seed: 11 });
    clean(r);
    expect(r.figures['database hash unchanged']).toBe('yes');
  }, 120_000);

  it('security: hijack, crew writes, revoke/expiry within 1 s, brute force, token size, headers, no token leaks', async () => {
    clean(await securityScenario());
  }, 120_000);

  it('expiry: a link expiring mid-run closes 1008 expired; renewed, it resumes with nothing lost or doubled', async () => {
    clean(await expiryScenario());
  }, 120_000);

  it('lost commit reply: 7 writes of every kind committed without a reply — answered honestly, retried once, delivered within 1 s', async () => {
    const r = await lostCommitReplyScenario({ rounds: 7 });
    clean(r);
    expect(r.figures['answered UNAVAILABLE']).toBe(0);
    expect(r.figures['rows doubled by import retries']).toBe(0);
  }, 120_000);
});
