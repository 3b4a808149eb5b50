import t from 'tap'
import { renderAtom } from '../../src/feeds/atom.js'
import type { FeedModel } from '../../src/feeds/build-feed.js'
import { feedLinks } from '../../src/feeds/feed-urls.js'
import { renderJsonFeed } from '../../src/feeds/json-feed.js'
import { renderRss } from '../../src/feeds/rss.js'
import { assertWellFormedXml, readAsReader, readFeed } from '../support/feeds.js'

const api = 'https://api.example.com'
const published = new Date('2026-03-04T05:06:07.000Z')
const updated = new Date('2026-03-05T00:00:00.000Z')

function model(overrides: Partial<FeedModel> = {}): FeedModel {
  return {
    id: `${api}/feed.atom`,
    title: 'Blog & "friends"',
    description: 'Posts <with> ]]> markup',
    language: 'en',
    homePageUrl: 'https://blog.example.com',
    updatedAt: updated,
    generator: 'Quire',
    author: { name: 'Blog', url: 'https://blog.example.com', avatarUrl: null },
    self: feedLinks(api),
    current: null,
    prevArchive: null,
    nextArchive: null,
    hub: null,
    items: [{
      id: '11111111-2222-4333-8444-555555555555',
      url: 'https://blog.example.com/posts/a?x=1&y=2',
      title: `Tom & Jerry <script>"quotes" 'single'</script> 🚀`,
      summary: 'Summary ]]> & <b>',
      html: '<p>Body &amp; ]]&gt; &lt;b&gt; 🚀</p>',
      publishedAt: published,
      updatedAt: updated,
      authors: [{ name: 'Ada', url: 'https://blog.example.com/authors/ada', avatarUrl: null }, { name: 'Lin & Co', url: 'https://blog.example.com/authors/lin', avatarUrl: null }],
      categories: [{ slug: 'data', name: 'Data & <AI>', url: 'https://blog.example.com/tags/data' }],
      image: null,
    }],
    ...overrides,
  }
}

t.test('RSS: guid from the id, RFC 822 dates, one dc:creator per author, full text in content:encoded', async (t) => {
  const xml = renderRss(model())
  assertWellFormedXml(xml)
  t.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>/)
  t.match(xml, '<guid isPermaLink="false">11111111-2222-4333-8444-555555555555</guid>')
  t.match(xml, '<pubDate>Wed, 04 Mar 2026 05:06:07 GMT</pubDate>')
  t.match(xml, '<dcterms:modified>2026-03-05T00:00:00.000Z</dcterms:modified>')
  t.match(xml, '<dc:creator>Ada</dc:creator><dc:creator>Lin &amp; Co</dc:creator>')
  t.match(xml, '<atom:link href="https://api.example.com/feed.xml" rel="self" type="application/rss+xml"/>')
  t.notMatch(xml, /fh:archive\/>/, 'not an archive')
  const item = readFeed('rss', xml).items[0]!
  t.equal(item.title, `Tom & Jerry <script>"quotes" 'single'</script> 🚀`)
  t.equal(item.content, '<p>Body &amp; ]]&gt; &lt;b&gt; 🚀</p>', 'the html is carried exactly, entities and all')
  t.equal(item.url, 'https://blog.example.com/posts/a?x=1&y=2')
})

t.test('Atom: urn:uuid ids, RFC 3339 dates, escaped html content, archive marker', async (t) => {
  const archive = model({ self: feedLinks(api, '', 2), current: feedLinks(api), prevArchive: feedLinks(api, '', 1), hub: 'https://hub.example/' })
  const xml = renderAtom(archive)
  assertWellFormedXml(xml)
  t.match(xml, '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:fh="http://purl.org/syndication/history/1.0" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="en">')
  t.match(xml, '<id>urn:uuid:11111111-2222-4333-8444-555555555555</id>')
  t.match(xml, '<published>2026-03-04T05:06:07.000Z</published>')
  t.match(xml, '<content type="html">&lt;p&gt;Body &amp;amp; ]]&amp;gt; &amp;lt;b&amp;gt; 🚀&lt;/p&gt;</content>')
  t.match(xml, '<fh:archive/>')
  const feed = readFeed('atom', xml)
  t.same(feed.links, {
    self: `${api}/feed.atom?archive=2`,
    alternate: 'https://blog.example.com',
    hub: 'https://hub.example/',
    current: `${api}/feed.atom`,
    'prev-archive': `${api}/feed.atom?archive=1`,
  })
  t.ok(feed.archive)
  t.same(feed.items[0]!.categories, ['Data & <AI>'])
})

t.test('JSON Feed 1.1: the version, ids, dates and next_url towards older posts', async (t) => {
  const doc = renderJsonFeed(model({ prevArchive: feedLinks(api, '', 4), hub: 'https://hub.example/' }))
  t.equal(doc.version, 'https://jsonfeed.org/version/1.1')
  t.equal(doc.next_url, `${api}/feed.json?archive=4`)
  t.same(doc.hubs, [{ type: 'WebSub', url: 'https://hub.example/' }])
  const feed = readFeed('json', JSON.stringify(doc))
  t.same(feed.items[0], {
    id: '11111111-2222-4333-8444-555555555555',
    title: `Tom & Jerry <script>"quotes" 'single'</script> 🚀`,
    url: 'https://blog.example.com/posts/a?x=1&y=2',
    summary: 'Summary ]]> & <b>',
    content: '<p>Body &amp; ]]&gt; &lt;b&gt; 🚀</p>',
    published: published.toISOString(),
    updated: updated.toISOString(),
    authors: ['Ada', 'Lin & Co'],
    categories: ['Data & <AI>'],
    image: '',
    imageAlt: '',
  })
})

t.test('a feature image is Media RSS content in RSS and Atom (with its alt text, if any), and the image in JSON Feed', async (t) => {
  for (const alt of ['A cover & more', null]) {
    const withImage = model()
    withImage.items[0]!.image = { url: 'https://blog.example.com/cover.png?w=1&h=2', alt }
    for (const [format, render] of [['rss', renderRss], ['atom', renderAtom]] as const) {
      const xml = render(withImage)
      assertWellFormedXml(xml)
      const item = readFeed(format, xml).items[0]!
      t.equal(item.image, 'https://blog.example.com/cover.png?w=1&h=2', `${format}, alt ${alt}`)
      t.equal(item.imageAlt, alt ?? '', `${format}: its alt text`)
      t.equal(readAsReader(xml).items[0]!.media[0]?.image, 'https://blog.example.com/cover.png?w=1&h=2', `${format}: as a lenient reader sees it`)
      if (!alt) t.notMatch(xml, /media:description/, `${format}: no empty description`)
    }
    t.equal(readFeed('json', JSON.stringify(renderJsonFeed(withImage))).items[0]!.image, 'https://blog.example.com/cover.png?w=1&h=2')
  }
  t.notMatch(renderRss(model()), /media:content/, 'nothing without an image')
})

t.test('the XML renderers never emit a character XML forbids, even when handed one', async (t) => {
  const bad = 'x\u0000\u0001\u001f\udfff\ud800\uffff\ufffey' // a low then a high surrogate: two lone halves
  const hostile = model()
  hostile.title = bad
  hostile.items[0]!.title = bad
  hostile.items[0]!.html = `<p>${bad}</p>`
  for (const xml of [renderRss(hostile), renderAtom(hostile)]) {
    assertWellFormedXml(xml)
    t.notMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/)
    t.match(xml, />xy</)
  }
})
