import { clip, lengthOf } from '../content/derive.js'
import { limitOf } from '../lib/schemas.js'
import { AuthorCreateBodySchema } from '../modules/authors/schemas.js'
import { FEATURE_IMAGE_ALT_MAX_LENGTH, PostCreateBodySchema } from '../modules/posts/write-schemas.js'
import { TagCreateBodySchema } from '../modules/tags/schemas.js'

// An imported post, tag or author is stored as the write API would take it, so that an editor can send it
// back as it is: what is over the API's limits is clipped or dropped, and the import says so.

const post = PostCreateBodySchema.properties

/** The write API's limits, from its own schemas. */
export const LIMITS = {
  title: limitOf(post.title, 'maxLength'),
  excerpt: limitOf(post.excerpt, 'maxLength'),
  authors: limitOf(post.authors, 'maxItems'),
  tags: limitOf(post.tags, 'maxItems'),
  authorName: limitOf(AuthorCreateBodySchema.properties.name, 'maxLength'),
  tagName: limitOf(TagCreateBodySchema.properties.name, 'maxLength'),
  featureImageAlt: FEATURE_IMAGE_ALT_MAX_LENGTH,
}

/** A name in a message, cut short: the whole of one over a limit would fill the line. */
export const quoted = (name: string) => `"${clip(name, 40)}"`

/** Fits an item's values within limits, keeping in `clipped`, in words, what it clipped or dropped. */
export function fitting() {
  const clipped: string[] = []
  return {
    clipped,
    /** `value` within `max` characters. */
    text(value: string, max: number, what: string): string {
      const length = lengthOf(value)
      if (length <= max) return value
      clipped.push(`${what} (${length} characters) was clipped to ${max}`)
      return clip(value, max)
    },
    /** The first `max` of `values`. */
    list<T>(values: T[], max: number, what: string): T[] {
      if (values.length > max) clipped.push(`its last ${values.length - max} ${what} (of ${values.length}) were dropped: a post takes ${max}`)
      return values.slice(0, max)
    },
    /** A note of a value dropped whole. */
    dropped(what: string): void {
      clipped.push(what)
    },
  }
}
