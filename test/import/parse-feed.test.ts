import t from 'tap'
import { FeedFormatError, type FeedEntry, type ImportItem } from '../../src/import/item.js'
import { decodeFeedFile, parseFeed } from '../../src/import/parse-feed.js'
import { fixture } from '../support/import.js'

const items = (entries: FeedEntry[]) => entries.flatMap((e) => (e.kind === 'item' ? [e.item] : []))
const bySourceId = (entries: FeedEntry[], id: string) => items(entries).find((i) => i.sourceId === id) as ImportItem

t.test('RSS 2.0: items with their html, dates, slugs from their links, authors and categories', async (t) => {
  const feed = parseFeed(fixture('rss'))
  t.match(feed, { format: 'rss', source: 'https://notes.example.org', title: 'Harbour Notes' })
  t.same(feed.entries.map((e) => e.kind), ['item', 'item', 'item', 'invalid', 'invalid', 'item'])

  const queue = bySourceId(feed.entries, 'https://notes.example.org/2024/01/moving-our-job-queue-into-postgresql/')
  t.match(queue, {
    title: 'Moving our job queue into PostgreSQL',
    slug: 'moving-our-job-queue-into-postgresql',
    status: 'published',
    excerpt: 'Why SKIP LOCKED was all the queue we needed.',
    authors: ['Priya Raman'],
  })
  t.same(queue.tags, [{ name: 'PostgreSQL' }, { name: 'Architecture' }], 'categories are names: a slug is made when the tag is created')
  t.equal(queue.publishedAt?.toISOString(), '2024-01-02T10:00:00.000Z')
  t.match(queue.html, /^<h2>Why<\/h2><p>We ran a separate broker/, 'content:encoded is the body')
  t.same(queue.featureImage, { url: 'https://notes.example.org/images/queue.png', alt: null }, 'an image enclosure is the feature image, made absolute')
  t.notOk('featureImage' in bySourceId(feed.entries, 'https://notes.example.org/?p=202'), 'an item without one has none')

  const pairing = bySourceId(feed.entries, 'https://notes.example.org/?p=202')
  t.equal(pairing.title, 'Pairing across time zones & what we learnt', 'entities are decoded once')
  t.equal(pairing.publishedAt?.toISOString(), '2024-02-05T04:00:00.000Z', 'an RFC 822 offset is applied')
  t.same(pairing.authors, ['Priya Raman', 'Tomás Ortega'], 'every dc:creator, in order')
  t.equal(pairing.html, '<p>Two people, two continents, one editor &amp; a shared <em>rhythm</em>…</p><p>The overlap is short: <code>&lt;2h</code>.</p>',
    'an escaped description is the html body; &amp;amp; stays one level escaped')
  t.equal(pairing.excerpt, null, 'with no content:encoded, the description is the body, not an excerpt')

  const handbook = bySourceId(feed.entries, 'harbour-notes-303')
  t.same(handbook.authors, ['Ops Team'], 'the name of an RSS author "email (Name)"')
  t.equal(handbook.publishedAt?.toISOString(), '2024-03-13T13:00:00.000Z', 'EST is UTC-5')
  t.equal(handbook.slug, 'handbook', 'the last segment of the link, without .html')
  const note = bySourceId(feed.entries, 'harbour-notes-606')
  t.same(note.authors, ['Editorial Desk'], "an item without an author is the channel editor's")
  t.equal(note.html, "<p>A short note without an author of its own: it is the editor's.</p>", 'a plain-text body gets its paragraph')

  t.match(feed.entries[3], { kind: 'invalid', label: 'item 4', reason: 'it has neither a title nor a body' })
  t.match(feed.entries[4], { kind: 'invalid', label: 'item 5 "A post with a date nobody can read"', reason: /"yesterday at noon" is not a valid RFC 822/ })
})

t.test('Atom 1.0: html, xhtml and text content, the feed author as default, categories by term and label', async (t) => {
  const feed = parseFeed(fixture('atom'))
  t.match(feed, { format: 'atom', source: 'https://lattice.example.net', title: 'Lattice Engineering' })
  t.same(feed.entries.map((e) => e.kind), ['item', 'item', 'item', 'item', 'invalid'])
  const [ledger, builds, text, summary] = items(feed.entries) as [ImportItem, ImportItem, ImportItem, ImportItem]

  t.match(ledger, { slug: 'sharding-the-ledger', authors: ['Amara Nwosu', 'Jonas Berg'], excerpt: 'How we split one ledger into sixty-four without downtime.' })
  t.same(ledger.tags, [{ name: 'Databases', slug: 'databases' }, { name: 'Architecture', slug: 'architecture' }])
  t.equal(ledger.publishedAt?.toISOString(), '2024-01-15T08:00:00.000Z')
  t.equal(ledger.updatedAt?.toISOString(), '2024-01-16T10:30:00.000Z')
  t.match(ledger.html, /<p>Fish &amp; chips\.<\/p>$/)
  t.same(ledger.featureImage, { url: 'https://lattice.example.net/img/ledger.jpg', alt: null }, 'a media:thumbnail, not the audio enclosure')

  t.equal(builds.title, 'Fast builds with remote caching', 'an html title becomes its text')
  t.match(builds.html, /^<p>Cache hits went from <em>12%<\/em> to 91% &amp; stayed there\.<\/p>/, 'xhtml content without its wrapping div')
  t.same(builds.tags, [{ name: 'Build Tools' }], 'a term that is no slug is a name: a slug is made when the tag is created')

  t.equal(text.html, '<p>A text entry: 1 &lt; 2, and &lt;script&gt; is only words here.</p>\n<p>A second paragraph.</p>', 'text content is escaped')
  t.same(text.authors, ['Lattice Team'], "an entry without an author is the feed's")
  t.equal(summary.html, '<p>Only a summary: the entry has no content element.</p>')
  t.equal(summary.publishedAt?.toISOString(), '2024-04-02T08:00:00.000Z', 'no published date: the updated one')
  t.match(feed.entries[4], { kind: 'invalid', reason: /updated date "last Tuesday" is not a valid RFC 3339 date/ })
})

t.test('WordPress WXR: statuses, display names, categories and tags, paragraphs, pages and attachments left out', async (t) => {
  const feed = parseFeed(fixture('wxr'))
  t.match(feed, { format: 'wxr', source: 'https://copperline.example.com', title: 'Copperline Dev Blog' })
  t.same(feed.entries.map((e) => e.kind), ['item', 'item', 'item', 'item', 'ignored', 'ignored', 'invalid'])
  const [deploys, upgrades, draft, locked] = items(feed.entries) as [ImportItem, ImportItem, ImportItem, ImportItem]
  t.same(deploys.featureImage, { url: 'https://copperline.example.com/wp-content/uploads/2024/03/pipeline.png', alt: 'The deploy pipeline, stage by stage' },
    "the featured image: the attachment _thumbnail_id names, with its alt text")
  t.notOk('featureImage' in upgrades, 'a post without one has none')

  t.match(deploys, {
    sourceId: 'https://copperline.example.com/?p=11',
    title: 'Ten years of Copperline’s deploy pipeline',
    slug: 'ten-years-of-deploys',
    status: 'published',
    featured: true,
    authors: ['Hanna Kowalski'],
    excerpt: 'A decade of shipping, from one shell script to progressive delivery.',
  })
  t.same(deploys.tags.map((x) => [x.slug, x.name]), [['platform-engineering', 'Platform Engineering'], ['kubernetes', 'Kubernetes'], ['ci-cd', 'CI/CD & Delivery']],
    'categories first (the first is the primary tag), then tags; names entity-decoded, as WordPress stores them escaped')
  t.equal(deploys.publishedAt?.toISOString(), '2024-03-04T09:15:00.000Z', 'wp:post_date_gmt is UTC')
  t.equal(deploys.updatedAt?.toISOString(), '2024-03-06T11:00:00.000Z')
  t.match(deploys.html, /^<p>We started with a shell script and <strong>one<\/strong> server\.<\/p>\n<p>Then came the second server\.<br>\nAnd the third\.<\/p>/,
    'classic-editor paragraphs become <p>')
  t.match(deploys.html, /<pre>deploy\.sh --all\n\n# the blank line above is part of the script<\/pre>/, 'a blank line inside <pre> stays')

  t.match(upgrades.html, /^<p>We upgrade one <a href="https:\/\/kubernetes\.io\/">minor version<\/a> a quarter\.<\/p>\n<ul>/, 'block-editor html passes through')
  t.same(upgrades.tags.map((x) => x.slug), ['kubernetes'], 'the default Uncategorized category is no tag')
  t.match(draft, { status: 'draft', publishedAt: null, slug: null, html: '<p>Still a draft: <em>who</em>, what, when.</p>' })
  t.match(locked, { status: 'draft', title: 'Salaries, openly' }, 'a password-protected post is not published')
  t.match(feed.entries[4], { kind: 'ignored', reason: 'it is a WordPress page, not a post' })
  t.match(feed.entries[5], { kind: 'ignored', reason: 'it is a WordPress attachment, not a post' })
  t.match(feed.entries[6], { kind: 'invalid', reason: /"2024-13-45 10:00:00" is not a valid WordPress date/ })
})

t.test('the source names the blog: its link, else its Atom id', async (t) => {
  const atom = (links: string) => parseFeed(`<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>${links}</feed>`)
  t.equal(atom('<link rel="alternate" href="HTTPS://Blog.Example.com/"/>').source, 'https://blog.example.com', 'host case and a trailing slash do not matter')
  t.equal(atom('<link rel="self" href="https://blog.example.com/feed.atom"/>').source, 'urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6')
})

t.test('an item whose id repeats an earlier one is an error, not a second post', async (t) => {
  const item = (title: string) => `<item><title>${title}</title><guid>same</guid><pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate><description>x</description><dc:creator>A</dc:creator></item>`
  const feed = parseFeed(`<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title><link>https://t.example</link>${item('One')}${item('Two')}</channel></rss>`)
  t.match(feed.entries, [{ kind: 'item' }, { kind: 'invalid', reason: 'it has the same id as item 1 (same)' }])
})

t.test('an untitled item is named from its text; a summary as long as a post is no excerpt', async (t) => {
  const long = 'word '.repeat(300)
  const feed = parseFeed(`<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title><link>https://t.example</link>
    <item><guid>a</guid><pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate><description>Short notes have no title in some blogs, like this one here today.</description></item>
    <item><title>Long</title><guid>b</guid><pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate><description>${long}</description><content:encoded>&lt;p&gt;${long}&lt;/p&gt;</content:encoded></item>
  </channel></rss>`)
  const [untitled, full] = items(feed.entries) as [ImportItem, ImportItem]
  t.equal(untitled.title, 'Short notes have no title in some blogs, like this one here…')
  t.same(untitled.authors, ['T'], 'with no author anywhere, the blog is the author')
  t.equal(full.excerpt, null)
})

t.test('a file that is not a feed fails as a whole, saying why', async (t) => {
  const fails = (text: string, message: RegExp, what: string) => t.throws(() => parseFeed(text), { name: 'FeedFormatError', message }, what)
  fails('', /the file is empty/, 'empty')
  fails('{"items": []}', /not well-formed XML \(line 1, column 1/, 'JSON')
  fails(fixture('rss').slice(0, 900), /ends with <rss>, <channel>, <item>.* still open: is the file cut short\?/, 'truncated')
  fails('<rss version="2.0"><channel><title>x</title></rss>', /not well-formed XML \(line 1, column \d+: Expected closing tag 'channel'/, 'mismatched tags')
  fails('<html><body>Not a feed</body></html>', /root element is <html>, not <rss>/, 'html')
  fails('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>', /RSS 1\.0 \(RDF\), which is not supported/, 'RSS 1.0')
  fails('<feed><entry/></feed>', /root element is <feed>/, '<feed> outside the Atom namespace')
  fails('<rss version="2.0"><title>x</title></rss>', /has no <channel>/, 'no channel')
})

t.test('decodeFeedFile: UTF-8 by default, the declared encoding otherwise, invalid bytes fail', async (t) => {
  const latin1 = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><title>Caf\xe9</title></channel></rss>', 'latin1')
  t.match(decodeFeedFile(latin1), /<title>Café<\/title>/)
  t.equal(decodeFeedFile(Buffer.from('\ufeff<rss/>', 'utf8')), '<rss/>', 'a UTF-8 byte order mark is dropped')
  t.equal(decodeFeedFile(Buffer.from('\ufeff<rss/>', 'utf16le')), '<rss/>', 'UTF-16 by its byte order mark')
  t.throws(() => decodeFeedFile(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c])), new FeedFormatError('it is not valid utf-8 text'))
  t.throws(() => decodeFeedFile(Buffer.from('<?xml version="1.0" encoding="x-klingon"?><rss/>')), { message: /encoding "x-klingon"/ })
})

t.test('control characters in an item are dropped from its title, authors and tags (the write API refuses them)', async (t) => {
  const feed = parseFeed(`<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title><link>https://t.example</link>
    <item><title>Bell\u0007 and ESC\u001b[31m red</title><guid>c</guid><pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate>
      <description>Body</description><dc:creator>Ada\u0001 Okafor</dc:creator><category>Ops\u0008\tand\nsupport</category></item>
  </channel></rss>`)
  const [item] = items(feed.entries) as [ImportItem]
  t.equal(item.title, 'Bell and ESC[31m red')
  t.same(item.authors, ['Ada Okafor'])
  t.same(item.tags.map((x) => x.name), ['Ops and support'])
})

t.test('a feature image the write API would refuse is left out, not imported', async (t) => {
  const image = (url: string) => `<item><title>I</title><guid>${url}</guid><pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate><description>x</description><enclosure url="${url}" type="image/png"/></item>`
  const feed = parseFeed(`<rss version="2.0"><channel><title>T</title><link>https://t.example</link>
    ${image('javascript:alert(1)')}${image('ftp://t.example/a.png')}${image(`https://t.example/${'a'.repeat(2000)}.png`)}${image('/ok.png')}</channel></rss>`)
  t.same((items(feed.entries) as ImportItem[]).map((item) => item.featureImage?.url), [undefined, undefined, undefined, 'https://t.example/ok.png'])
})
