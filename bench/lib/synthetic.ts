/**
 * The synthetic archive of `npm run bench:seed` and the query-plan test: authors, tags and posts generated
 * from a seed, so the same options always give the same archive (ids, slugs, dates, bodies). Bodies are a
 * fixed number of Markdown texts that posts share (rendering every one of 100,000 bodies would take minutes);
 * titles, slugs, dates, tags and authors are each post's own.
 */
import { int, personName, pick, prng, vocabulary, zipf, type Random } from './words.js'

export interface SyntheticOptions {
  posts: number
  tags?: number
  authors?: number
  /** Distinct bodies the posts share. */
  bodies?: number
  seed?: number
}

export interface SyntheticAuthor { id: string; slug: string; name: string; title: string; bio: string }
export interface SyntheticTag { id: string; slug: string; name: string; description: string }
export interface SyntheticPost {
  id: string
  slug: string
  title: string
  /** Index into the archive's bodies. */
  body: number
  status: 'draft' | 'published'
  publishedAt: Date | null
  featured: boolean
  createdAt: Date
  updatedAt: Date
  authorIds: string[]
  tagIds: string[]
}

export interface SyntheticArchive {
  options: Required<SyntheticOptions>
  authors: SyntheticAuthor[]
  tags: SyntheticTag[]
  /** Markdown sources, about 5 KB each. */
  bodies: string[]
  /** The posts in publication order (drafts and scheduled posts among them); generated lazily. */
  posts: () => Generator<SyntheticPost>
}

/** Publication dates span the two years up to here: fixed, so the archive does not depend on the day it is made. */
export const ARCHIVE_END = new Date('2026-01-01T00:00:00Z')
const SPAN_MS = 730 * 86_400_000
const HOUR_MS = 3_600_000
const STOPWORDS = ['the', 'a', 'of', 'to', 'and', 'in', 'is', 'for', 'with', 'on', 'that', 'we', 'it', 'as', 'by', 'our', 'when', 'not']
const words = vocabulary()
const wordRank = zipf(words.length)

function uuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16))
  hex[12] = '4'
  hex[16] = '89ab'[Math.floor(random() * 4)]!
  const s = hex.join('')
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
}

const word = (random: Random) => words[wordRank(random)]!
const capitalise = (s: string) => s[0]!.toUpperCase() + s.slice(1)
const slugOf = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')

function sentence(random: Random, min = 6, max = 18): string {
  const parts: string[] = []
  for (let n = int(random, min, max); n > 0; n--) {
    const w = random() < 0.4 ? pick(random, STOPWORDS) : word(random)
    const style = random()
    parts.push(style < 0.02 ? `\`${w}\`` : style < 0.035 ? `**${w}**` : style < 0.045 ? `[${w}](https://example.com/${w})` : w)
  }
  return `${capitalise(parts.join(' '))}.`
}

const paragraph = (random: Random) => Array.from({ length: int(random, 3, 6) }, () => sentence(random)).join(' ')

function markdownBody(random: Random): string {
  const target = int(random, 4500, 5500)
  const blocks = [paragraph(random), paragraph(random)]
  let length = blocks.join('\n\n').length
  while (length < target) {
    const section = [`## ${capitalise(sentence(random, 3, 6).slice(0, -1))}`, paragraph(random), paragraph(random)]
    const extra = random()
    if (extra < 0.3) section.push(Array.from({ length: int(random, 3, 5) }, () => `- ${sentence(random, 3, 9)}`).join('\n'))
    else if (extra < 0.45) section.push(['```ts', `const ${word(random)} = await ${word(random)}(${word(random)})`, `if (!${word(random)}) throw new Error('${word(random)}')`, '```'].join('\n'))
    else if (extra < 0.55) section.push(`> ${sentence(random)}`)
    const text = section.join('\n\n')
    blocks.push(text)
    length += text.length + 2
  }
  return `${blocks.join('\n\n')}\n`
}

/** A weighted choice of how many of something: 1 to weights.length. */
function howMany(random: Random, weights: number[]): number {
  let r = random() * weights.reduce((a, b) => a + b, 0)
  for (let i = 0; i < weights.length; i++) if ((r -= weights[i]!) < 0) return i + 1
  return weights.length
}

function distinct(random: Random, count: number, draw: (random: Random) => number): number[] {
  const chosen = new Set<number>()
  while (chosen.size < count) chosen.add(draw(random))
  return [...chosen]
}

export function syntheticArchive(options: SyntheticOptions): SyntheticArchive {
  const o = { tags: 500, authors: 200, bodies: 2000, seed: 42, ...options }
  const random = prng(o.seed)

  const authors = Array.from({ length: o.authors }, (_, i): SyntheticAuthor => {
    const name = personName(i)
    return { id: uuid(random), slug: slugOf(name), name, title: capitalise(`${word(random)} engineer`), bio: sentence(random) }
  })

  const tagNames = new Set<string>()
  while (tagNames.size < o.tags) tagNames.add(`${capitalise(words[int(random, 0, 1999)]!)} ${words[int(random, 0, 1999)]!}`)
  const tags = [...tagNames].map((name): SyntheticTag => ({ id: uuid(random), slug: slugOf(name), name, description: sentence(random) }))

  const bodies = Array.from({ length: o.bodies }, () => markdownBody(random))
  const tagRank = zipf(tags.length, 0.9)
  const authorRank = zipf(authors.length, 0.7)

  function* posts(): Generator<SyntheticPost> {
    // A stream of its own: the posts do not change when the bodies or tags above are generated differently.
    const r = prng(o.seed * 7919 + 1)
    for (let i = 0; i < o.posts; i++) {
      const title = capitalise(Array.from({ length: int(r, 4, 9) }, () => word(r)).join(' '))
      const kind = r()
      const published = ARCHIVE_END.getTime() - SPAN_MS + ((i + r()) / o.posts) * SPAN_MS
      // About 1% drafts and 0.3% scheduled far in the future: the public never sees either.
      const publishedAt = kind < 0.01 ? null : kind < 0.013 ? new Date(Date.UTC(2100, 0, 1) + i * 60_000) : new Date(Math.floor(published))
      const base = publishedAt && publishedAt < ARCHIVE_END ? publishedAt.getTime() : Math.floor(published)
      yield {
        id: uuid(r),
        slug: `${slugOf(title).slice(0, 60).replace(/-[^-]*$/, '')}-${i.toString(36)}`,
        title,
        body: int(r, 0, o.bodies - 1),
        status: publishedAt ? 'published' : 'draft',
        publishedAt,
        featured: r() < 0.02,
        createdAt: new Date(base - Math.floor(r() * 72 * HOUR_MS)),
        updatedAt: new Date(base + (r() < 0.2 ? Math.floor(r() * 30 * 24 * HOUR_MS) : 0)),
        authorIds: distinct(r, howMany(r, [85, 15]), authorRank).map((k) => authors[k]!.id),
        tagIds: distinct(r, howMany(r, [15, 30, 30, 15, 10]), tagRank).map((k) => tags[k]!.id),
      }
    }
  }

  return { options: o, authors, tags, bodies, posts }
}

/**
 * Search queries a reader might type: one or two words whose ranks are spread evenly on a log scale, so the
 * pool mixes words found in most posts, in some, and in a few.
 */
export function searchQueries(count: number, seed = 99): string[] {
  const random = prng(seed)
  const rank = () => Math.floor(Math.exp(Math.log(10) + random() * (Math.log(words.length) - Math.log(10))))
  return Array.from({ length: count }, () => (random() < 0.6 ? words[rank()]! : `${words[rank()]!} ${words[rank()]!}`))
}
