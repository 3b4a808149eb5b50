import { createHash } from 'node:crypto'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { buildFeed, type BuildFeedInput } from '../../src/feeds/build-feed.js'
import { absoluteHtml, absoluteSrcset, xmlSafe } from '../../src/feeds/feed-text.js'
import { archivePageCount } from '../../src/feeds/feed-urls.js'
import { renderAtom } from '../../src/feeds/atom.js'
import { renderJsonFeed } from '../../src/feeds/json-feed.js'
import { FEED_RENDERING_VERSION } from '../../src/feeds/routes.js'
import { renderRss } from '../../src/feeds/rss.js'
import type { PostLinks, PostWithHtmlRow } from '../../src/modules/posts/queries.js'

const site = loadConfig({ SITE_URL: 'https://blog.example.com', API_URL: 'https://api.example.com' }).site

function row(n: number, overrides: Partial<PostWithHtmlRow> = {}): PostWithHtmlRow {
  const publishedAt = new Date(Date.UTC(2026, 0, n))
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    slug: `post-${n}`,
    title: `Post ${n}`,
    excerpt: `Excerpt ${n}`,
    customExcerpt: null,
    html: `<p>Body ${n}</p>`,
    featured: false,
    status: 'published',
    publishedAt,
    wordCount: 2,
    readingTimeMinutes: 1,
    featureImageUrl: null,
    featureImageAlt: null,
    canonicalUrl: null,
    createdAt: publishedAt,
    updatedAt: publishedAt,
    ...overrides,
  }
}

const noLinks: PostLinks = { authors: new Map(), tags: new Map() }
const input = (overrides: Partial<BuildFeedInput> = {}): BuildFeedInput => ({
  site,
  hub: undefined,
  channel: { prefix: '', title: site.title, description: site.description, homePageUrl: site.url, updatedAt: null, resourceId: '517e0000-0000-4000-8000-000000000001' },
  archive: undefined,
  archivePages: 0,
  posts: [row(1), row(2)],
  links: noLinks,
  changedAt: new Date('2026-04-01T00:00:00Z'),
  ...overrides,
})

t.test('xmlSafe drops exactly what XML 1.0 cannot carry', async (t) => {
  const kept = 'tab\t nl\n cr\r é 中 \uE000 \uFFFD 🚀 𝄞'
  t.equal(xmlSafe(kept), kept, 'tab, newline, CR, BMP text, private use, U+FFFD and paired surrogates stay')
  t.equal(xmlSafe('a\u0000b\u0001c\u0008d\u000be\u000cf\u001fg'), 'abcdefg', 'C0 controls go')
  t.equal(xmlSafe('x\ud800y\udfffz'), 'xyz', 'lone surrogates go')
  t.equal(xmlSafe('x\ud83d'), 'x', 'a high surrogate at the end goes')
  t.equal(xmlSafe('\uFFFE\uFFFFok'), 'ok', 'U+FFFE and U+FFFF go')
})

t.test('absoluteHtml resolves links and image sources as a browser on the post would', async (t) => {
  const base = 'https://blog.example.com/posts/my-post'
  const html = '<p><a href="/posts/other">root</a> <a href="#part-2">fragment</a> <a href="sibling">relative</a> ' +
    '<a href="//cdn.example.com/x">protocol</a> <a href="https://elsewhere.example/y">absolute</a> <a href="mailto:a@b.example">mail</a> ' +
    '<a href="http://[bad">broken</a> <img src="/img/a.png" srcset="/img/a.png 1x, /img/a@2x.png 2x" alt="A &amp; B"> Tom &amp; Jerry &lt;b&gt; café</p>'
  const out = absoluteHtml(html, base)
  t.match(out, 'href="https://blog.example.com/posts/other"')
  t.match(out, 'href="https://blog.example.com/posts/my-post#part-2"', 'a fragment stays on the post')
  t.match(out, 'href="https://blog.example.com/posts/sibling"')
  t.match(out, 'href="https://cdn.example.com/x"')
  t.match(out, 'href="https://elsewhere.example/y"')
  t.match(out, 'href="mailto:a@b.example"')
  t.match(out, 'href="http://[bad"', 'what no browser could resolve is left as written')
  t.match(out, 'src="https://blog.example.com/img/a.png"')
  t.match(out, 'srcset="https://blog.example.com/img/a.png 1x, https://blog.example.com/img/a@2x.png 2x"')
  t.match(out, 'alt="A &amp; B"')
  t.match(out, 'Tom &amp; Jerry &lt;b&gt; café', 'text and its escapes are untouched')
  t.equal(absoluteHtml('<p>No links at all &amp; more</p>', base), '<p>No links at all &amp; more</p>', 'html without links is returned as is')
})

t.test('absoluteSrcset keeps descriptors and commas inside URLs', async (t) => {
  const base = 'https://blog.example.com/posts/p'
  t.equal(absoluteSrcset('a.png', base), 'https://blog.example.com/posts/a.png')
  t.equal(absoluteSrcset(' a.png 480w ,  /b.png 800w', base), 'https://blog.example.com/posts/a.png 480w, https://blog.example.com/b.png 800w')
  t.equal(absoluteSrcset('/img/x,y.png 1x, /z.png 2x', base), 'https://blog.example.com/img/x,y.png 1x, https://blog.example.com/z.png 2x')
  t.equal(absoluteSrcset('/a.png, /b.png 2x', base), 'https://blog.example.com/a.png, https://blog.example.com/b.png 2x', 'a URL ending in a comma ends its candidate')
  // As the HTML standard parses it: a URL runs to whitespace, so this is one URL with a comma in it.
  t.equal(absoluteSrcset('/a.png,/b.png 2x', base), 'https://blog.example.com/a.png,/b.png 2x')
})

t.test('archive pages count only full pages', async (t) => {
  t.same([0, 19, 20, 39, 40, 41].map(archivePageCount), [0, 0, 1, 1, 2, 2])
})

t.test('buildFeed: items newest first, with the post id, absolute links and XML-safe text', async (t) => {
  const author = { id: 'a1', slug: 'ada-okafor', name: 'Ada\u0001 Okafor', title: null, bio: null, avatarUrl: 'https://cdn.example/a.jpg', websiteUrl: null, createdAt: new Date(), updatedAt: new Date() }
  const tag = { id: 't1', slug: 'data', name: 'Data', description: null, createdAt: new Date(), updatedAt: new Date() }
  const scheduled = row(3, { title: 'Bad\u0000 title', html: '<a href="/x">x</a>', createdAt: new Date('2025-12-01'), updatedAt: new Date('2025-12-01') })
  const model = buildFeed(input({
    posts: [row(1), scheduled, row(2)],
    links: { authors: new Map([[scheduled.id, [author]]]), tags: new Map([[scheduled.id, [tag]]]) },
  }))
  t.same(model.items.map((i) => i.id), [scheduled.id, row(2).id, row(1).id])
  const [first] = model.items
  t.equal(first!.title, 'Bad title')
  t.equal(first!.url, 'https://blog.example.com/posts/post-3')
  t.equal(first!.html, '<a href="https://blog.example.com/x">x</a>')
  t.same(first!.authors, [{ name: 'Ada Okafor', url: 'https://blog.example.com/authors/ada-okafor', avatarUrl: 'https://cdn.example/a.jpg' }])
  t.same(first!.categories, [{ slug: 'data', name: 'Data', url: 'https://blog.example.com/tags/data' }])
  t.same(first!.updatedAt, first!.publishedAt, 'a post edited before it went live is "updated" when it was published')
  t.equal(model.id, 'urn:uuid:517e0000-0000-4000-8000-000000000001', 'named by the site\'s id, not its URL')
  t.same(model.self, { rss: 'https://api.example.com/feed.xml', atom: 'https://api.example.com/feed.atom', json: 'https://api.example.com/feed.json' })
})

t.test('buildFeed: RFC 5005 links', async (t) => {
  const none = buildFeed(input())
  t.same([none.current, none.prevArchive, none.nextArchive, none.hub], [null, null, null, null], 'a young feed has no archive')

  const current = buildFeed(input({ archivePages: 3, hub: 'https://hub.example/' }))
  t.equal(current.current, null, 'the subscription feed is not an archive')
  t.equal(current.prevArchive?.rss, 'https://api.example.com/feed.xml?archive=3', 'it points at the newest archive page')
  t.equal(current.nextArchive, null)
  t.equal(current.hub, 'https://hub.example/')

  const middle = buildFeed(input({ archive: 2, archivePages: 3, channel: { prefix: '/tags/data', title: 'Data', description: 'd', homePageUrl: 'https://blog.example.com/tags/data', updatedAt: null, resourceId: 'c0ffee00-0000-4000-8000-000000000001' } }))
  t.equal(middle.self.atom, 'https://api.example.com/tags/data/feed.atom?archive=2')
  t.equal(middle.current?.json, 'https://api.example.com/tags/data/feed.json')
  t.equal(middle.prevArchive?.atom, 'https://api.example.com/tags/data/feed.atom?archive=1')
  t.equal(middle.nextArchive?.atom, 'https://api.example.com/tags/data/feed.atom?archive=3')
  t.equal(middle.id, 'urn:uuid:c0ffee00-0000-4000-8000-000000000001', 'a tag\'s feed is named by the tag\'s id (a rename leaves it), and its archive pages share it')

  const oldest = buildFeed(input({ archive: 1, archivePages: 3 }))
  t.equal(oldest.prevArchive, null)
  const newest = buildFeed(input({ archive: 3, archivePages: 3 }))
  t.equal(newest.nextArchive, null)
})

t.test('buildFeed: the feed is as new as its most recently updated item, whatever the last write elsewhere', async (t) => {
  const edited = new Date('2026-03-01T12:00:00Z')
  t.same(buildFeed(input({ posts: [row(1), row(2, { updatedAt: edited })] })).updatedAt, edited)
  const newest = buildFeed(input({ posts: [row(1), row(2)] }))
  t.same(newest.updatedAt, newest.items[0]!.updatedAt, 'unedited: the newest publication')
  const tagEdited = new Date('2026-02-01T00:00:00Z')
  const tagChannel = { prefix: '/tags/data', title: 'Data', description: 'd', homePageUrl: 'https://blog.example.com/tags/data', updatedAt: tagEdited, resourceId: 'c0ffee00-0000-4000-8000-000000000002' }
  t.same(buildFeed(input({ posts: [], channel: tagChannel })).updatedAt, tagEdited, 'an empty tag feed: the tag\'s last edit, the same at every write elsewhere')
  t.same(buildFeed(input({ posts: [] })).updatedAt, new Date('2026-04-01T00:00:00Z'), 'an empty site feed: the last public change')
})

// What a feed document is, from its rows to its bytes (buildFeed, then each renderer), under
// FEED_RENDERING_VERSION. Feeds' ETags name the content and that version, not the bytes: output that changes
// under the same version would keep readers on the old document (304s) until one of a feed's posts changes.
const PINNED_RENDERING = { version: 2, digest: 'fQ50l8VRRSHkk6Z_X32KShZuXL0v20oXk3Gu7MhnK8o' }

t.test('what a feed document is made into changes only with a new FEED_RENDERING_VERSION', async (t) => {
  const author = { id: 'a1', slug: 'ada-okafor', name: 'Ada & Okafor', title: 'Staff engineer', bio: null, avatarUrl: 'https://cdn.example/a.jpg', websiteUrl: null, createdAt: new Date(0), updatedAt: new Date(0) }
  const tag = { id: 't1', slug: 'data', name: 'Data <AI>', description: null, createdAt: new Date(0), updatedAt: new Date(0) }
  const rich = row(3, {
    title: 'Tom & Jerry 🚀', html: '<p><a href="/posts/other">x</a> <img src="/i.png" srcset="/i.png 1x, /i@2x.png 2x" alt="i"> &amp; ]]&gt;</p>',
    featureImageUrl: 'https://cdn.example/cover.png', featureImageAlt: 'A cover', updatedAt: new Date(Date.UTC(2026, 0, 9)),
  })
  const links = { authors: new Map([[rich.id, [author]]]), tags: new Map([[rich.id, [tag]]]) }
  const rendered = (archive?: number) => {
    const model = buildFeed(input({ posts: [row(1), rich, row(2)], links, hub: 'https://hub.example/', archive, archivePages: 3 }))
    return [renderRss(model), renderAtom(model), renderJsonFeed(model)]
  }
  const documents = [rendered(), rendered(2)]
  t.same([rendered(), rendered(2)], documents, 'made the same way every time')
  const digest = createHash('sha256').update(JSON.stringify(documents)).digest('base64url')
  t.same({ version: FEED_RENDERING_VERSION, digest }, PINNED_RENDERING,
    'feeds are made otherwise: give src/feeds/routes.ts a new FEED_RENDERING_VERSION, and pin it here with this digest')
})
