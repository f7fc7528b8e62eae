import { configDefaults, defineConfig } from 'vitest/config';

/** Spend outcomes must not depend on the machine's time zone: these files run under UTC and west of it. */
const SPEND_IN_ZONES = ['test/drift-spend.test.ts', 'test/spend-evidence.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'default',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SPEND_IN_ZONES],
        },
      },
      { extends: true, test: { name: 'tz-utc', include: SPEND_IN_ZONES, env: { TZ: 'UTC' } } },
      {
        extends: true,
        test: { name: 'tz-los-angeles', include: SPEND_IN_ZONES, env: { TZ: 'America/Los_Angeles' } },
      },
    ],
  },
});
