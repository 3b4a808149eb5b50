import { createHash } from 'node:crypto'
import slugify from '@sindresorhus/slugify'
import { isUuid } from './schemas.js'

export const SLUG_MAX_LENGTH = 120
/**
 * The most a suffix (`-2`, ... `-999999999`) takes from a base too long to have it added, a trailing hyphen
 * of the cut included: every candidate for a base begins with all of it but this many characters.
 */
export const SUFFIX_ROOM = 11

/** Whether a text has a letter or a digit, of any script: what a name needs to be one. */
export function hasLettersOrDigits(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text)
}

/**
 * A slug from a title or name: transliterated, lowercase `a-z0-9` and single hyphens, at most 120 characters.
 * A text with letters or digits that have no Latin transliteration (山田太郎, データベース) gets the fallback
 * and a digest of the text (`author-1f0c9a3e`): the same name always gives the same slug, and two names two
 * slugs, where the fallback alone made every such author one (an import matches authors by slug). A text
 * with neither (`---`) gets the fallback.
 */
export function slugFrom(text: string, fallback: string): string {
  let slug = slugify(text, { decamelize: false })
  if (!slug && hasLettersOrDigits(text)) {
    slug = `${fallback || 'x'}-${createHash('sha256').update(text.normalize('NFC').trim()).digest('hex').slice(0, 8)}`
  }
  if (slug.length > SLUG_MAX_LENGTH) slug = slug.slice(0, SLUG_MAX_LENGTH).replace(/-[^-]*$/, '') || slug.slice(0, SLUG_MAX_LENGTH)
  slug = slug.replace(/-+$/, '')
  // A title that is a UUID: its slug would be read as an id (see SlugSchema).
  if (isUuid(slug)) slug = `${slug}-${fallback || 'slug'}`
  return slug || fallback
}

/** `base`, or `base-2`, `base-3`... whichever is free, given the taken slugs that start with `base`. */
export function firstFreeSlug(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) {
    const suffix = `-${n}`
    const candidate = `${base.slice(0, SLUG_MAX_LENGTH - suffix.length).replace(/-+$/, '')}${suffix}`
    if (!taken.has(candidate)) return candidate
  }
}
