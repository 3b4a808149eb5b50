import { autop } from './autop.js'
import { expandShortcodes } from './shortcodes.js'
import { parseWordPressGmt } from './dates.js'
import { entryOf, finishItem, itemBase, ItemError, labelOf, plainText, validSlug, type ImportItem, type ParsedFeed } from './item.js'
import { channelSource, rssDate, rssPrefixes } from './parse-rss.js'
import { all, attr, child, prefixFor, textOf, type XmlNode } from './xml.js'

// A WordPress export (WXR) is RSS 2.0 with WordPress's own elements: every post, page, attachment and
// menu item of the site, drafts included, with the authors' display names declared once in the channel.

export const WXR_NAMESPACE = /^https?:\/\/wordpress\.org\/export\/\d+(?:\.\d+)*\/$/
const EXCERPT_NAMESPACE = /^https?:\/\/wordpress\.org\/export\/\d+(?:\.\d+)*\/excerpt\/$/

/** WordPress statuses: what each becomes, or why such an item is left out. */
const STATUSES: Record<string, ImportItem['status'] | { ignored: string }> = {
  publish: 'published',
  // Scheduled in WordPress: published with its future date, which Quire keeps hidden until then.
  future: 'published',
  draft: 'draft',
  pending: 'draft',
  private: 'draft',
  trash: { ignored: 'it is in the trash' },
  'auto-draft': { ignored: 'it is an auto-draft' },
  inherit: { ignored: 'it is a revision' },
}

// WordPress files every post without a category under this one; it is no tag worth having.
const DEFAULT_CATEGORY = 'uncategorized'

export function isWxr(root: XmlNode): boolean {
  return Object.entries(root).some(([key, value]) => key.startsWith('@xmlns:') && typeof value === 'string' && WXR_NAMESPACE.test(value))
}

/** Parses a WordPress export: an `rss` root that declares the WordPress export namespace. */
export function parseWxr(root: XmlNode): ParsedFeed {
  const channel = child(root, 'channel')
  const p = rssPrefixes(root)
  const wp = prefixFor(root, (uri) => WXR_NAMESPACE.test(uri), 'wp')
  const excerptNs = prefixFor(root, (uri) => EXCERPT_NAMESPACE.test(uri), 'excerpt')
  const title = textOf(channel.title)
  const source = channelSource(channel, p) || textOf(channel[`${wp}:base_blog_url`])
  // dc:creator names a login; the channel's wp:author entries give each login its display name, escaped as
  // WordPress escapes term names ("O'Neil &amp; Co"), and displayed unescaped: its text is the name.
  const displayNames = new Map(
    all(channel[`${wp}:author`]).map((a) => {
      const node = a as XmlNode
      const login = textOf(node[`${wp}:author_login`])
      return [login, plainText(textOf(node[`${wp}:author_display_name`])) || login] as const
    }),
  )

  // A post's featured image is an attachment (an item of its own) named by id in the post's _thumbnail_id.
  const meta = (item: XmlNode, key: string) => {
    const entry = all(item[`${wp}:postmeta`]).find((m) => textOf((m as XmlNode)[`${wp}:meta_key`]) === key)
    return entry ? textOf((entry as XmlNode)[`${wp}:meta_value`]) : ''
  }
  const attachments = new Map(all(channel.item).flatMap((value) => {
    const item = (typeof value === 'object' && value !== null ? value : {}) as XmlNode
    if (textOf(item[`${wp}:post_type`]) !== 'attachment') return []
    const url = textOf(item[`${wp}:attachment_url`])
    return url ? [[textOf(item[`${wp}:post_id`]), { url, alt: meta(item, '_wp_attachment_image_alt') || null }] as const] : []
  }))

  const entries = all(channel.item).map((value, index) => {
    const item = (typeof value === 'object' && value !== null ? value : {}) as XmlNode
    const field = (name: string) => textOf(item[`${wp}:${name}`])
    // WordPress titles are html ("Q&amp;A", "&#8217;"), displayed unescaped: their text is the title.
    const itemTitle = plainText(textOf(item.title))
    return entryOf(index + 1, labelOf(index + 1, itemTitle), () => {
      const type = field('post_type') || 'post'
      if (type !== 'post') return { ignored: `it is a WordPress ${type}, not a post` }
      const mapped = STATUSES[field('status') || 'publish']
      if (mapped === undefined) throw new ItemError(`its status "${field('status')}" is not one WordPress writes`)
      if (typeof mapped === 'object') return mapped
      // A password-protected post was never public: it stays a draft rather than being published open.
      const status = field('post_password') ? 'draft' : mapped
      return finishItem(
        {
          sourceId: textOf(item.guid) || field('post_id'),
          title: itemTitle,
          html: autop(expandShortcodes(textOf(item[`${p.content}:encoded`]))),
          excerpt: plainText(textOf(item[`${excerptNs}:encoded`])) || null,
          slug: validSlug(field('post_name')) ?? null,
          status,
          publishedAt: status === 'published' ? publicationDate(item, field('post_date_gmt'), p) : null,
          updatedAt: parseWordPressGmt(field('post_modified_gmt')) ?? null,
          featured: field('is_sticky') === '1',
          authors: all(item[`${p.dc}:creator`]).map(textOf).filter(Boolean).map((login) => displayNames.get(login) ?? login),
          tags: [...termsOf(item, 'category'), ...termsOf(item, 'post_tag')],
          featureImage: attachments.get(meta(item, '_thumbnail_id')),
          baseUrl: itemBase(textOf(item.link), source),
        },
        [title],
      )
    })
  })
  return { format: 'wxr', source, title, entries }
}

/** wp:post_date_gmt, else the RSS pubDate WordPress also writes (the GMT date is zero in some exports). */
function publicationDate(item: XmlNode, gmt: string, p: ReturnType<typeof rssPrefixes>): Date | null {
  const date = parseWordPressGmt(gmt)
  if (date === undefined) throw new ItemError(`its date "${gmt}" is not a valid WordPress date (YYYY-MM-DD hh:mm:ss)`)
  return date ?? rssDate(item, p)
}

/** Categories or tags of a post, WordPress's nicename as the slug. */
function termsOf(item: XmlNode, domain: 'category' | 'post_tag'): { name: string; slug?: string }[] {
  return all(item.category)
    .filter((c) => attr(c, 'domain') === domain && attr(c, 'nicename') !== DEFAULT_CATEGORY)
    .map((c) => ({ name: plainText(textOf(c)), slug: attr(c, 'nicename') }))
}
