import slugify from '@sindresorhus/slugify'
import { isUuid } from './schemas.js'

const MAX = 120

/** A slug from a title or name: transliterated, lowercase `a-z0-9` and single hyphens, at most 120 characters. */
export function slugFrom(text: string, fallback: string): string {
  let slug = slugify(text, { decamelize: false })
  if (slug.length > MAX) slug = slug.slice(0, MAX).replace(/-[^-]*$/, '') || slug.slice(0, MAX)
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
    const candidate = `${base.slice(0, MAX - suffix.length).replace(/-+$/, '')}${suffix}`
    if (!taken.has(candidate)) return candidate
  }
}
