/**
 * Headless Chromium from the operating system (Debian's `chromium`), driven by playwright-core.
 * Without it, browser suites skip with one line; under CI=true they fail instead.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { describe, it } from 'vitest';

const CANDIDATES = process.env.CHROMIUM_PATH
  ? [process.env.CHROMIUM_PATH]
  : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
export const CHROMIUM = CANDIDATES.find((p) => existsSync(p));

const MISSING = 'Chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH)';

/** A describe block that needs the browser. */
export function describeWithBrowser(name: string, body: () => void): void {
  if (CHROMIUM) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`${MISSING}: .ci/run installs it.`);
      });
    });
  } else {
    process.stderr.write(`${name}: skipped, ${MISSING}.\n`);
    describe.skip(name, body);
  }
}

export function launchBrowser(): Promise<Browser> {
  // Root (as in CI containers) needs --no-sandbox.
  return chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
}
