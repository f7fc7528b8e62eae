/**
 * Secrets of tenants. The upstream token is sealed with AES-256-GCM under a key derived (HKDF-SHA256,
 * a fresh salt per seal) from TWIN_STORE_KEY, with the tenant's id as associated data, so a sealed
 * token copied onto another record does not open. Access tokens are random (256 bits) and kept only
 * as a SHA-256 hash: with that much entropy a slow hash adds nothing.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { SealedSecret } from './tenants.js';

export const MIN_STORE_KEY_LENGTH = 32;
const INFO = 'scene-projects-mcp tenant upstream token v1';
export const ACCESS_TOKEN_PREFIX = 'spm_';

export class StoreKeyError extends Error {
  override readonly name = 'StoreKeyError';
}

function derive(storeKey: string, salt: Buffer): Buffer {
  if (storeKey.length < MIN_STORE_KEY_LENGTH)
    throw new StoreKeyError(
      `TWIN_STORE_KEY must be at least ${MIN_STORE_KEY_LENGTH} characters (e.g. \`openssl rand -hex 32\`).`,
    );
  return Buffer.from(hkdfSync('sha256', Buffer.from(storeKey, 'utf8'), salt, INFO, 32));
}

export function seal(storeKey: string, tenantId: string, secret: string): SealedSecret {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', derive(storeKey, salt), iv);
  cipher.setAAD(Buffer.from(tenantId, 'utf8'));
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const b64 = (b: Buffer) => b.toString('base64');
  return { v: 1, salt: b64(salt), iv: b64(iv), tag: b64(cipher.getAuthTag()), data: b64(data) };
}

/** The sealed secret; throws StoreKeyError when the key is not the one it was sealed with. */
export function unseal(storeKey: string, tenantId: string, sealed: SealedSecret): string {
  const buf = (s: string) => Buffer.from(s, 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', derive(storeKey, buf(sealed.salt)), buf(sealed.iv));
    decipher.setAAD(Buffer.from(tenantId, 'utf8'));
    decipher.setAuthTag(buf(sealed.tag));
    return Buffer.concat([decipher.update(buf(sealed.data)), decipher.final()]).toString('utf8');
  } catch (err) {
    if (err instanceof StoreKeyError) throw err;
    throw new StoreKeyError(
      'A tenant’s API token cannot be opened with this TWIN_STORE_KEY: it was stored under another key. Use the key it was added with, or give the tenant its token again (tenants set-key).',
    );
  }
}

export const newAccessToken = (): string => `${ACCESS_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;

export const accessHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export const newTenantId = (): string => randomBytes(12).toString('hex');
