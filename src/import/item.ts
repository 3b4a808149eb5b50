import { createHash } from 'node:crypto'
import { excerptOf, lengthOf, textOf } from '../content/derive.js'
import { hasLettersOrDigits, slugFrom } from '../lib/slugs.js'
import { isHttpUrl, isUuid } from '../lib/schemas.js'
import { absoluteUrls } from './absolute-urls.js'
import { autop } from './autop.js'
import { fitting, LIMITS, quoted } from './limits.js'

/** One post to import, the same whatever the format it came from. */
export interface ImportItem {
  /** The item's id in its source: what a re-run recognises it by. */
  sourceId: string
  title: string
  /** As the source has it, its relative URLs made absolute; sanitised when written, like every post body. */
  html: string
  /** A custom excerpt (plain text), or null to derive one from the body. */
  excerpt: string | null
  /** The slug the source gives or implies, or null to derive one from the title. */
  slug: string | null
  status: 'draft' | 'published'
  publishedAt: Date | null
  updatedAt: Date | null
  featured: boolean
  /** Display names, in order; at least one. */
  authors: string[]
  /** Names, in order, with the slug the source gives when it gives one (WordPress's). */
  tags: { name: string; slug?: string }[]
  /** Set when the source gave no date: a draft for an editor to date, whose status a later run leaves as it is. */
  undated?: true
  /** The post's image (an absolute http(s) URL), when the source names one; absent otherwise. */
  featureImage?: { url: string; alt: string | null }
}

/** An item ready to import, and what was clipped or dropped from it to fit the write API's limits, in words. */
export interface FinishedItem { item: ImportItem; clipped: string[] }

export type FeedEntry =
  | { kind: 'item'; position: number; label: string; item: ImportItem; clipped: string[] }
  /** Not a blog post (a WordPress page or attachment...): left out, and counted as skipped. */
  | { kind: 'ignored'; position: number; label: string; reason: string }
  /** A post that cannot be imported: reported as an error, the rest goes on. */
  | { kind: 'invalid'; position: number; label: string; reason: string }

export type FeedFormat = 'rss' | 'atom' | 'wxr'

export const FORMAT_NAMES: Record<FeedFormat, string> = { rss: 'RSS 2.0', atom: 'Atom 1.0', wxr: 'WordPress WXR' }

export interface ParsedFeed {
  format: FeedFormat
  /** Identifies the blog, so that two blogs' item ids never meet: its URL, or its Atom id. */
  source: string
  title: string
  entries: FeedEntry[]
}

/** The file as a whole cannot be imported: nothing is written. */
export class FeedFormatError extends Error {
  override name = 'FeedFormatError'
}

/** One item cannot be imported: it is reported and skipped. */
export class ItemError extends Error {
  override name = 'ItemError'
}

/** What every format needs checked and filled in the same way. */
export interface ItemDraft extends Omit<ImportItem, 'title' | 'authors' | 'tags' | 'sourceId' | 'featureImage'> {
  /** The image the source names for the post, as it writes it (maybe relative). */
  featureImage?: { url: string; alt?: string | null }
  sourceId: string | undefined
  title: string
  authors: string[]
  /** Tag names, with the slug the source gives when it gives one. */
  tags: { name: string; slug?: string }[]
  /** The post's address at its source (else the blog's): what relative URLs in its body are relative to. */
  baseUrl: string | undefined
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
// One line of text: whitespace (line breaks, tabs) squashed to a space, other control characters (a terminal's
// escapes, a bell) dropped, as the write API refuses them; composed (NFC), as it takes text people write
// (see COMPOSED_TEXT).
const squash = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').replace(/\p{Cc}/gu, '').trim()

/** What names are compared by, as the API compares them (see rowNamed): "postgres" and "Postgres" are one tag. */
const nameKey = (name: string) => name.toLowerCase()

/** `value` when it is already a valid Quire slug, else undefined. */
export function validSlug(value: string | undefined | null): string | undefined {
  const v = value?.trim()
  // Not one shaped like an id: it would be read as one (see SlugSchema).
  return v && v.length <= 120 && SLUG.test(v) && !isUuid(v) ? v : undefined
}

/** The last path segment of a post's URL, when it is a slug: imported posts keep their old paths. Relative links are resolved first (resolveUrl). */
export function slugFromLink(link: string | undefined): string | undefined {
  if (!link) return undefined
  try {
    const segments = new URL(link).pathname.split('/').filter(Boolean)
    return validSlug(decodeURIComponent(segments.at(-1) ?? '').replace(/\.html?$/, ''))
  } catch {
    return undefined
  }
}

/** `url` as a feed writes it (maybe relative) made absolute against `base`; undefined when absent or when it cannot be. */
export function resolveUrl(url: string | undefined, base: string | undefined): string | undefined {
  const u = url?.trim()
  if (!u) return undefined
  try {
    return new URL(u, base).href
  } catch {
    return undefined
  }
}

/** The blog's address as a base: a folder (`source` comes without its trailing slash: https://old.example.com/blog). */
export function blogBase(source: string): string | undefined {
  return /^https?:\/\//i.test(source) ? `${source}/` : undefined
}

/**
 * What an item's relative URLs are relative to: its own link (resolved against the blog's), else the blog's
 * address.
 */
export function itemBase(link: string | undefined, source: string): string | undefined {
  const blog = blogBase(source)
  return resolveUrl(link, blog) ?? blog
}

/** The plain text of an html fragment, whitespace squashed. */
export function plainText(html: string): string {
  return textOf(html).all
}

/** A feed's source URL without the differences that do not matter (case of the host, a trailing slash). */
export function normaliseSource(value: string): string {
  const v = value.trim()
  try {
    const url = new URL(v)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return v
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}${url.search}`
  } catch {
    return v
  }
}

/**
 * Validates a draft and fills what may be derived: a missing title from the body, authors from the feed. What
 * the write API would refuse is clipped or dropped, and said.
 */
export function finishItem({ baseUrl, featureImage, ...draft }: ItemDraft, defaultAuthors: string[]): FinishedItem {
  const title = squash(draft.title)
  const text = plainText(draft.html).normalize('NFC')
  if (!title && !text) throw new ItemError('it has neither a title nor a body')
  if (!draft.sourceId?.trim()) throw new ItemError('it has no id (guid, id or link) to recognise it by on a later run')

  const fit = fitting()
  // RSS 2.0 makes pubDate optional: an item without one is kept, as a draft for an editor to date, rather than
  // published as the newest post of the archive or left out.
  const undated = draft.status === 'published' && !draft.publishedAt
  if (undated) fit.dropped('it has no publication date: imported as a draft, to be dated and published in Quire')
  const finalTitle = title ? fit.text(title, LIMITS.title, 'its title') : excerptOf(text, 60)
  const excerpt = squash(draft.excerpt ?? '')
  // A "summary" longer than the API takes is the whole text again (feeds do that): the excerpt is derived instead.
  const excerptFits = lengthOf(excerpt) <= LIMITS.excerpt
  if (!excerptFits) fit.dropped(`its excerpt (${lengthOf(excerpt)} characters) was dropped, over the ${LIMITS.excerpt} the API takes: one is derived from the text`)
  const named = draft.authors.map(squash).filter(Boolean)
  const names = (named.length > 0 ? named : defaultAuthors.map(squash).filter(Boolean))
    .map((name) => fit.text(name, LIMITS.authorName, `the author name ${quoted(name)}`))
  const authors = fit.list(unique(names, nameKey), LIMITS.authors, 'authors')
  if (authors.length === 0) throw new ItemError('it names no author, and neither does the feed')
  const tagNames = draft.tags.flatMap((t) => {
    const slug = validSlug(t.slug)
    const name = squash(t.name) || slug
    if (name && (slug || hasLettersOrDigits(name))) return [slug ? { name, slug } : { name }]
    // A name of no letters or digits (`---`, `🚀`) makes no slug, and so no tag.
    if (name) fit.dropped(`the tag ${quoted(name)} was dropped: a tag's name needs a letter or a digit to make its slug`)
    return []
  })
  // Each slug once and each name once: two of one name would be two tags the API refuses to have.
  const tags = fit.list(unique(unique(tagNames, (t) => t.slug ?? nameKey(t.name)), (t) => nameKey(t.name)), LIMITS.tags, 'tags')
    .map((t) => ({ ...t, name: fit.text(t.name, LIMITS.tagName, `the tag name ${quoted(t.name)}`) }))
  const item: ImportItem = {
    ...draft,
    ...(undated ? { status: 'draft' as const, undated: true as const } : {}),
    // A body of plain text (an RSS description often is) gets its paragraphs, as a reader would show it.
    // Composed first, as the API composes what it is sent: composed after its links are rewritten, a
    // combining mark the rewriting wrote after a tag would join the tag's `>` (see marksApart).
    html: /<[a-z!/]/i.test(draft.html) ? absoluteUrls(draft.html.normalize('NFC'), baseUrl) : autop(draft.html.normalize('NFC')),
    sourceId: draft.sourceId.trim(),
    title: finalTitle,
    excerpt: excerpt && excerptFits ? excerpt : null,
    authors,
    tags,
    // Only when there is one: an item without stays as it hashed before images were read (see contentHash).
    ...featureImageOf(featureImage, baseUrl, fit),
  }
  return { item, clipped: fit.clipped }
}

/** The draft's image made absolute against the post's address, if it is one a browser would load. */
function featureImageOf(image: ItemDraft['featureImage'], baseUrl: string | undefined, fit: ReturnType<typeof fitting>): Pick<ImportItem, 'featureImage'> {
  if (!image?.url.trim()) return {}
  let url: string
  try {
    url = new URL(image.url.trim(), baseUrl).href
  } catch {
    return {}
  }
  // As the write API takes them (HttpUrl, and the alt text's length).
  if (!isHttpUrl(url)) return {}
  const alt = fit.text(squash(image.alt ?? ''), LIMITS.featureImageAlt, 'its image alt text') || null
  return { featureImage: { url, alt } }
}

/**
 * The first image among what a feed item carries with it: an RSS enclosure or an Atom enclosure link of an
 * image type, a Media RSS image (media:content) or thumbnail.
 */
export function firstImage(candidates: { url: string | undefined; type?: string; medium?: string }[]): { url: string } | undefined {
  const image = candidates.find((c) => c.url && (c.medium === 'image' || c.type?.toLowerCase().startsWith('image/')))
  return image?.url ? { url: image.url } : undefined
}

/** Keeps the first of each key, dropping those whose key is empty (a name with no letters or digits). */
function unique<T>(values: T[], key: (value: T) => string): T[] {
  const seen = new Set<string>()
  return values.filter((v) => {
    const k = key(v)
    if (!k || seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/** Runs one item's conversion, turning an ItemError into an entry that reports it. */
export function entryOf(position: number, label: string, build: () => FinishedItem | { ignored: string }): FeedEntry {
  try {
    const result = build()
    if ('ignored' in result) return { kind: 'ignored', position, label, reason: result.ignored }
    return { kind: 'item', position, label, ...result }
  } catch (error) {
    if (error instanceof ItemError) return { kind: 'invalid', position, label, reason: error.message }
    throw error
  }
}

/** A label for messages: the item's position and title. */
export function labelOf(position: number, title: string): string {
  const t = squash(title)
  return t ? `item ${position} "${t.length > 60 ? `${t.slice(0, 59)}…` : t}"` : `item ${position}`
}

/**
 * A hash of everything imported from the item: equal hashes mean nothing changed at the source. Each tag is
 * hashed with a slug, the source's or one made from its name, as items imported when every tag carried one
 * were: those hash as they did, and a re-run leaves them as they are.
 */
export function contentHash(item: ImportItem): string {
  const tags = item.tags.map(({ name, slug }) => ({ name, slug: slug ?? slugFrom(name, 'tag') }))
  return createHash('sha256').update(JSON.stringify({ ...item, tags })).digest('base64url')
}
