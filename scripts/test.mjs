#!/usr/bin/env node
// `npm test`: every tier this machine can run. PGlite and in-process fan-out always; the same
// server suite against PostgreSQL when CUEBE_TEST_PG_URL is set, Redis tests when
// CUEBE_TEST_REDIS is set, browser tests when a Chromium is found (.ci/run sets and installs all).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const projects = ['unit', 'server'];
if (process.env.CUEBE_TEST_PG_URL) projects.push('pg', 'chaos');
if (process.env.CUEBE_TEST_PG_URL && process.env.CUEBE_TEST_REDIS) projects.push('redis');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(chromium)) {
  const build = spawnSync('npm', ['run', 'build', '-w', '@cuebe/web'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  projects.push('e2e');
} else if (process.env.CI) {
  console.error(`CI=true but no Chromium at ${chromium}: the browser tests cannot run.`);
  process.exit(1);
} else {
  console.warn(`No Chromium at ${chromium}: skipping the browser tests (set CHROMIUM_PATH).`);
}
const args = ['vitest', 'run', ...projects.flatMap((p) => ['--project', p]), ...process.argv.slice(2)];
const r = spawnSync('npx', args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
