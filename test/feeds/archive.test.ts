import t from 'tap'
import { build } from '../helper.js'
import { publicDemoPosts } from '../support/demo.js'
import { FILES, FORMATS, insertPost, readFeed, type Format } from '../support/feeds.js'

const visible = publicDemoPosts()
const base = 'https://blog.example.com'

t.test('RFC 5005 archived feeds', async (t) => {
  const { app, database } = await build(t)
  const read = async (format: Format, path: string) => {
    const res = await app.inject(path)
    t.equal(res.statusCode, 200, path)
    return readFeed(format, res.body)
  }
  // Archive links in RSS/Atom; JSON Feed pages towards older posts with next_url.
  const olderLink = (format: Format, links: Record<string, string>) => (format === 'json' ? links.next : links['prev-archive'])

  t.test(`with ${visible.length} posts: the subscription feed and one full archive page of the oldest 20`, async (t) => {
    for (const format of FORMATS) {
      const file = FILES[format]
      const current = await read(format, `/${file}`)
      t.equal(current.items.length, 20)
      t.notOk(current.archive, `${file}: the subscription feed is not an archive`)
      t.equal(olderLink(format, current.links), `${base}/${file}?archive=1`, `${file} links to the newest archive page`)

      const page = await read(format, `/${file}?archive=1`)
      t.same(page.items.map((i) => i.title), visible.slice(-20).map((p) => p.title), `${file}?archive=1 holds the oldest 20, newest first`)
      // JSON Feed's feed_url is the feed's identifier (JSON Feed 1.1): every page names the subscription feed.
      t.equal(page.links.self, format === 'json' ? `${base}/${file}` : `${base}/${file}?archive=1`)
      t.notOk(olderLink(format, page.links), 'nothing older than page 1')
      if (format !== 'json') {
        t.ok(page.archive, 'marked <fh:archive/>')
        t.equal(page.links.current, `${base}/${file}`, 'links back to the subscription feed')
        t.notOk(page.links['next-archive'], 'no newer archive page yet')
      }
      const union = new Set([...current.items, ...page.items].map((i) => i.title))
      t.same([...union].sort(), visible.map((p) => p.title).sort(), 'together they hold every public post')
    }
    t.equal((await app.inject('/feed.xml?archive=2')).statusCode, 404, 'a page that is not full yet does not exist')
    t.equal((await app.inject('/tags/architecture/feed.atom?archive=1')).statusCode, 404, 'a tag with 11 posts has no archive')
    t.notOk(readFeed('atom', (await app.inject('/tags/architecture/feed.atom')).body).links['prev-archive'])
  })

  t.test('archive pages do not change when posts are added, and new full pages chain in', async (t) => {
    const pageOne = await read('atom', '/feed.atom?archive=1')
    const added = 60 - visible.length
    for (let i = 0; i < added; i++) {
      await insertPost(database.db, { slug: `new-post-${i}`, title: `New post ${i}`, html: `<p>${i}</p>`, publishedAt: new Date(Date.now() - (added - i) * 60_000) })
    }
    const again = await read('atom', '/feed.atom?archive=1')
    t.same(again.items.map((i) => i.id), pageOne.items.map((i) => i.id), 'page 1 holds the same posts')
    t.equal(again.links['next-archive'], `${base}/feed.atom?archive=2`)

    const current = await read('atom', '/feed.atom')
    t.equal(current.items[0]!.title, `New post ${added - 1}`)
    t.equal(current.links['prev-archive'], `${base}/feed.atom?archive=3`, '60 posts make three full pages')
    const three = await read('atom', '/feed.atom?archive=3')
    t.same(three.items.map((i) => i.id), current.items.map((i) => i.id), 'the newest full page holds what the subscription feed does')
    t.notOk(three.links['next-archive'])
    const two = await read('atom', '/feed.atom?archive=2')
    t.equal(two.links['prev-archive'], `${base}/feed.atom?archive=1`)
    t.equal(two.links['next-archive'], `${base}/feed.atom?archive=3`)

    // Walking prev-archive from the subscription feed reaches every post exactly once per page.
    const seen = new Set<string>()
    let next: string | undefined = `${base}/feed.xml`
    while (next) {
      const feed = await read('rss', next.slice(base.length))
      for (const item of feed.items) seen.add(item.id)
      next = feed.links['prev-archive']
    }
    t.equal(seen.size, 60, 'the whole history is reachable')
    const json = (await app.inject('/feed.json?archive=3')).json()
    t.equal(json.next_url, `${base}/feed.json?archive=2`)
  })
})

t.test('a WebSub hub is advertised when WEBSUB_HUB is set', async (t) => {
  const hub = 'https://hub.example.net/'
  const { app, config } = await build(t, { env: { WEBSUB_HUB: hub } })
  const apiUrl = config.site.apiUrl
  for (const format of FORMATS) {
    for (const path of [`/${FILES[format]}`, `/tags/data/${FILES[format]}`]) {
      const res = await app.inject(path)
      t.equal(readFeed(format, res.body).links.hub, hub, path)
      // WebSub 4: Link headers, the only way a JSON feed can be discovered.
      t.equal(res.headers.link, `<${hub}>; rel="hub", <${apiUrl}${path}>; rel="self"`, `${path}: Link headers`)
      t.equal((await app.inject(path)).headers.link, res.headers.link, `${path}: from the response cache too`)
    }
    // An archive page is not subscribed to: it is not meant to change, and the hub is never told of it.
    const page = await app.inject(`/${FILES[format]}?archive=1`)
    t.equal(page.statusCode, 200)
    t.notOk(readFeed(format, page.body).links.hub, `${FILES[format]}?archive=1: no hub in the document`)
    t.notOk(page.headers.link, `${FILES[format]}?archive=1: nor in a Link header`)
  }
  // The OpenAPI document says so of every feed's 200.
  const paths = (await app.inject('/docs/json')).json().paths as Record<string, { get: { responses: Record<string, { headers?: Record<string, { description?: string }> }> } }>
  const feeds = Object.entries(paths).filter(([path]) => /\/feed\.(xml|atom|json)$/.test(path))
  t.equal(feeds.length, 9, 'the site\'s, a tag\'s and an author\'s feed in three formats')
  for (const [path, item] of feeds) t.match(item.get.responses['200']!.headers?.Link?.description, /rel="hub".*rel="self"/, `${path} documents its Link header`)
})

t.test('no hub link without WEBSUB_HUB', async (t) => {
  const { app } = await build(t)
  for (const format of FORMATS) {
    const res = await app.inject(`/${FILES[format]}`)
    t.notOk(readFeed(format, res.body).links.hub)
    t.notOk(res.headers.link, 'nor a Link header')
  }
})
