/**
 * Tests that need a real `redis-server`: where it is missing, they say so in one line and skip;
 * under CI=true (where .ci/run installs it) they fail instead.
 */
import { describe } from 'vitest';
import { REDIS_SERVER } from './redis-process.js';

export { type RedisServer, startRedis } from './redis-process.js';

let warned = false;
/** `describe` when redis-server is installed; otherwise a one-line notice and a skip (a failure under CI). */
export function describeWithRedis(name: string, body: () => void): void {
  if (REDIS_SERVER) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    throw new Error('redis-server is missing: .ci/run installs it (apt-get install redis-server).');
  }
  if (!warned) {
    warned = true;
    process.stderr.write(
      'redis-server not found: skipping the Redis tests (apt-get install redis-server).\n',
    );
  }
  describe.skip(name, body);
}
