import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * A server started without --sandbox keeps its state in the user's state directory: in tests, a
 * fresh one per run (XDG_STATE_HOME, inherited by servers the tests spawn), never the person's own.
 */
process.env.XDG_STATE_HOME = mkdtempSync(join(tmpdir(), 'scene-projects-test-state-'));

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
