/**
 * The tenants section on Redis: records in one hash (name → JSON), an index from access hash to
 * name, last use apart (so touching never races a rotation). Changes are Lua scripts: a rotation
 * swaps the index entry and the record at once, so the old access token stops on every replica with
 * the next request.
 */
import type { RedisClientType } from 'redis';
import { sameHash, type TenantRecord, type TenantStore } from './tenants.js';

const ADD = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
if redis.call('HEXISTS', KEYS[2], ARGV[3]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
return 1`;

const REPLACE = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
redis.call('HDEL', KEYS[2], cjson.decode(old).accessHash)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
return 1`;

const REMOVE = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
redis.call('HDEL', KEYS[2], cjson.decode(old).accessHash)
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1`;

export function redisTenants(
  client: RedisClientType,
  prefix: string,
  run: <T>(fn: () => Promise<T>) => Promise<T>,
): TenantStore {
  const keys = [`${prefix}:tenants`, `${prefix}:tenant-by-hash`, `${prefix}:tenant-used`];
  const [records, byHash, used] = keys as [string, string, string];
  const withUse = (json: string, last: string | null | undefined): TenantRecord => {
    const r = JSON.parse(json) as TenantRecord;
    return last ? { ...r, lastUsedAt: Number(last) } : r;
  };
  const script = async (text: string, name: string, args: string[] = []) =>
    (await run(() => client.eval(text, { keys, arguments: [name, ...args] }))) === 1;
  const get = async (name: string) => {
    const [json, last] = await run(() => Promise.all([client.hGet(records, name), client.hGet(used, name)]));
    return json ? withUse(json, last) : undefined;
  };
  return {
    addTenant: (r) => script(ADD, r.name, [JSON.stringify(r), r.accessHash]),
    replaceTenant: (r) => script(REPLACE, r.name, [JSON.stringify(r), r.accessHash]),
    removeTenant: (name) => script(REMOVE, name),
    getTenant: get,
    async listTenants() {
      const [all, last] = await run(() => Promise.all([client.hGetAll(records), client.hGetAll(used)]));
      return Object.entries(all)
        .map(([name, json]) => withUse(json, last[name]))
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    async tenantByAccessHash(hash) {
      const name = await run(() => client.hGet(byHash, hash));
      const r = name ? await get(name) : undefined;
      // The index is a lookup; the decision is this constant-time comparison of the hashes.
      return r && sameHash(r.accessHash, hash) ? r : undefined;
    },
    async touchTenant(name, at) {
      await run(() => client.hSet(used, name, String(Math.round(at))));
    },
  };
}
