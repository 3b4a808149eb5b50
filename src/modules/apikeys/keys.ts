import { createHash, randomBytes } from 'node:crypto'

const KEY_PREFIX = 'quire_'

/** A new key: 256 random bits, recognisable by its prefix (secret scanners can match `quire_`). */
export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`
}

/**
 * Keys are high-entropy random strings, so a fast hash is enough (no salt, no stretching): it cannot be
 * brute-forced and lets a request find its key by an indexed lookup.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

export function displayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 6)
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(KEY_PREFIX) && value.length === KEY_PREFIX.length + 43
}
