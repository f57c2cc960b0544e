import { defineConfig } from 'vitest/config';

/**
 * Test tiers (STYLE §8): unit (pure packages), server against PGlite, the same server tests
 * against PostgreSQL (when CUEBE_TEST_PG_URL is set — .ci/run sets it), Redis tests (when
 * CUEBE_TEST_REDIS is set), and real-browser e2e.
 */
const serverTests = ['packages/server/**/*.test.ts'];
const notRedis = ['**/*.redis.test.ts', '**/node_modules/**'];

const projects = [
  {
    test: {
      name: 'unit',
      include: [
        'packages/protocol/**/*.test.ts',
        'packages/client/**/*.test.ts',
        'bench/**/*.test.ts',
        'scripts/**/*.test.ts',
      ],
    },
  },
  {
    test: {
      name: 'server',
      include: serverTests,
      exclude: notRedis,
      env: { CUEBE_TEST_DB: 'pglite' },
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  },
  {
    test: {
      name: 'pg',
      include: serverTests,
      exclude: notRedis,
      env: { CUEBE_TEST_DB: 'postgres' },
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  },
  {
    test: {
      name: 'redis',
      include: ['packages/server/**/*.redis.test.ts'],
      env: { CUEBE_TEST_DB: 'postgres' },
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  },
  {
    // The fast chaos scenarios: real node processes on a fresh PostgreSQL database each
    // (CUEBE_TEST_PG_URL); the long runs are `npm run chaos`.
    test: {
      name: 'chaos',
      include: ['chaos/test/**/*.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      fileParallelism: false,
    },
  },
  {
    test: {
      name: 'e2e',
      include: ['e2e/**/*.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      fileParallelism: false,
    },
  },
];

export default defineConfig({ test: { projects } });
