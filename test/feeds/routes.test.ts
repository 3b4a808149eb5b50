import t from 'tap'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { eq } from 'drizzle-orm'
import { authors, posts, slugHistory, tags } from '../../src/db/schema.js'
import { buildApp } from '../../src/app.js'
import { build, writeBehindApp } from '../helper.js'
import { publicDemoPosts } from '../support/demo.js'
import { FILES, FORMATS, itemId, MEDIA, readAsReader, readFeed } from '../support/feeds.js'

const visible = publicDemoPosts()
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020

interface ApiPost {
  id: string
  slug: string
  title: string
  url: string
  excerpt: string
  publishedAt: string
  updatedAt: string
  authors: { slug: string; name: string }[]
  tags: { slug: string; name: string }[]
  featureImage: { url: string; alt: string | null } | null
}

t.test('the nine feeds', async (t) => {
  const { app, database, config } = await build(t)
  const html = new Map((await database.db.select({ id: posts.id, html: posts.html }).from(posts)).map((p) => [p.id, p.html]))
  const apiPosts = async (query: string): Promise<ApiPost[]> => (await app.inject(`/v1/posts?limit=100${query}`)).json().data

  const scopes = [
    { prefix: '', query: '', expected: visible },
    { prefix: '/tags/architecture', query: '&tag=architecture', expected: visible.filter((p) => p.tags.includes('architecture')) },
    { prefix: '/authors/ada-okafor', query: '&author=ada-okafor', expected: visible.filter((p) => p.authors.includes('ada-okafor')) },
  ]

  for (const scope of scopes) {
    for (const format of FORMATS) {
      const url = `${scope.prefix}/${FILES[format]}`
      t.test(`GET ${url} parses and carries the 20 newest posts in full, newest first`, async (t) => {
        const res = await app.inject(url)
        t.equal(res.statusCode, 200)
        t.match(res.headers['content-type'], MEDIA[format])
        const feed = readFeed(format, res.body)
        const newest = (await apiPosts(scope.query)).slice(0, 20)
        t.same(newest.map((p) => p.slug), scope.expected.slice(0, 20).map((p) => p.slug), 'the API agrees with the demo archive')
        t.same(feed.items.map((i) => i.id), newest.map((p) => itemId(format, p.id)), 'ids are the post ids, newest first')
        t.equal(feed.links.self, `https://blog.example.com${url}`)
        if (format !== 'json') {
          const reader = readAsReader(res.body)
          t.same(reader.items.map((i) => [i.id, i.title, i.url, i.published?.toISOString()]), feed.items.map((i) => [i.id, i.title, i.url, i.published]), 'a lenient reader sees the same items')
        }

        for (const [i, item] of feed.items.entries()) {
          const post = newest[i]!
          t.equal(item.title, post.title, `${post.slug} title`)
          t.equal(item.url, post.url, `${post.slug} link from POST_URL_TEMPLATE`)
          t.equal(item.summary, post.excerpt, `${post.slug} excerpt as summary`)
          t.equal(item.published, post.publishedAt, `${post.slug} published`)
          t.equal(item.updated, post.updatedAt, `${post.slug} updated`)
          t.same(item.authors, post.authors.map((a) => a.name), `${post.slug} authors in byline order`)
          t.same(item.categories, post.tags.map((x) => x.name), `${post.slug} categories from tags`)
          // Media RSS in RSS and Atom, with its alt text; JSON Feed's image has none.
          t.equal(item.image, post.featureImage?.url ?? '', `${post.slug} feature image`)
          t.equal(item.imageAlt, format === 'json' ? '' : post.featureImage?.alt ?? '', `${post.slug} feature image's alt text`)
          // Full text: the whole stored body, only its links made absolute.
          const stored = html.get(post.id)!
          t.notMatch(item.content, /(?:href|src)="\/(?!\/)/, `${post.slug} has no root-relative links left`)
          // (Parsers trim the text of an element, hence the trim.)
          const relative = (html: string) => html.replaceAll('"https://blog.example.com/', '"/').trim()
          t.equal(relative(item.content), relative(stored), `${post.slug} carries the full html`)
        }
      })
    }
  }

  t.test('relative links in post html become absolute', async (t) => {
    const items = [...(await app.inject('/feed.json')).json().items, ...(await app.inject('/feed.json?archive=1')).json().items]
    const withRelative = items.filter((i: { id: string }) => /href="\/posts\//.test(html.get(i.id)!))
    t.ok(withRelative.length >= 3, `${withRelative.length} demo posts link to others with root-relative links`)
    for (const item of withRelative) {
      const targets = [...html.get(item.id)!.matchAll(/href="(\/posts\/[a-z0-9-]+)"/g)].map((m) => m[1])
      for (const target of targets) t.ok(item.content_html.includes(`href="https://blog.example.com${target}"`), `${item.url} -> ${target}`)
      t.notMatch(item.content_html, /href="\/posts\//)
    }
  })

  t.test('drafts and scheduled posts never appear', async (t) => {
    for (const url of ['/feed.xml', '/feed.xml?archive=1', '/tags/reliability/feed.atom', '/authors/mateo-ruiz/feed.json', '/authors/jonas-berg/feed.xml']) {
      const body = (await app.inject(url)).body
      t.notMatch(body, /notes-on-multi-region-writes/, `${url}: no draft`)
      t.notMatch(body, /retiring-our-last-cron-server/, `${url}: no scheduled post`)
    }
  })

  t.test('a tag with no posts has a feed as new as the tag, in every format', async (t) => {
    const [tag] = await database.db.insert(tags).values({ slug: 'nothing-yet', name: 'Nothing yet', updatedAt: new Date('2026-05-04T03:02:01Z') }).returning()
    t.teardown(() => database.db.delete(tags).where(eq(tags.id, tag!.id)))
    for (const format of FORMATS) {
      const res = await app.inject(`/tags/nothing-yet/${FILES[format]}`)
      t.equal(res.statusCode, 200, format)
      const feed = readFeed(format, res.body)
      t.same(feed.items, [], `${format}: no items`)
      t.notMatch(res.body, /1970/, `${format}: no date from the epoch`)
    }
    t.match((await app.inject('/tags/nothing-yet/feed.atom')).body, /<updated>2026-05-04T03:02:01(\.000)?Z<\/updated>/, 'Atom: updated is the tag\'s last edit')
    t.match((await app.inject('/tags/nothing-yet/feed.xml')).body, /<lastBuildDate>Mon, 04 May 2026 03:02:01 GMT<\/lastBuildDate>/, 'RSS: so is lastBuildDate')
  })

  t.test('unknown tag or author slugs answer 404 problem+json, malformed ones too', async (t) => {
    for (const url of ['/tags/no-such-tag/feed.xml', '/authors/nobody/feed.atom', '/tags/no-such-tag/feed.json']) {
      const res = await app.inject(url)
      t.equal(res.statusCode, 404, url)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      t.equal(res.json().type, '/problems/not-found')
    }
    t.equal((await app.inject('/tags/Not_A_Slug/feed.xml')).statusCode, 404)
    t.equal((await app.inject('/feed.xml?archive=0')).statusCode, 400)
  })

  t.test('GET /v1/site lists the feed URLs, and they answer', async (t) => {
    const { feeds } = (await app.inject('/v1/site')).json().data
    t.same(feeds, { rss: 'https://blog.example.com/feed.xml', atom: 'https://blog.example.com/feed.atom', json: 'https://blog.example.com/feed.json' })
    for (const url of Object.values(feeds) as string[]) t.equal((await app.inject(new URL(url).pathname)).statusCode, 200, url)
  })

  t.test('unknown query parameters are ignored, so shared links with tracking parameters keep working', async (t) => {
    const res = await app.inject('/feed.xml?utm_source=newsletter')
    t.equal(res.statusCode, 200)
    t.equal(readFeed('rss', res.body).items.length, 20)
  })

  t.test('the OpenAPI document describes every feed, and JSON feeds match its schema', async (t) => {
    const doc = (await app.inject('/openapi.json')).json()
    const media = { rss: 'application/rss+xml', atom: 'application/atom+xml', json: 'application/feed+json' }
    for (const prefix of ['', '/tags/{slug}', '/authors/{slug}']) {
      for (const format of FORMATS) {
        const op = doc.paths[`${prefix}/${FILES[format]}`]?.get
        t.ok(op?.responses['200'].content[media[format]], `${prefix}/${FILES[format]} declares ${media[format]}`)
        t.same(op?.tags, ['feeds'])
      }
    }
    const schema = doc.paths['/feed.json'].get.responses['200'].content['application/feed+json'].schema
    const validate = addFormats(new Ajv2020({ strict: false, allErrors: true })).compile(schema)
    for (const url of ['/feed.json', '/feed.json?archive=1', '/tags/data/feed.json', '/authors/lin-zhang/feed.json']) {
      t.ok(validate((await app.inject(url)).json()), `${url} ${JSON.stringify(validate.errors)}`)
    }
  })

  t.test('an old tag slug answers 301 to the current feed', async (t) => {
    const [tag] = await database.db.select().from(tags).where(eq(tags.slug, 'data'))
    await database.db.insert(slugHistory).values({ kind: 'tag', oldSlug: 'data-engineering', targetId: tag!.id })
    const res = await app.inject('/tags/data-engineering/feed.atom?archive=1')
    t.equal(res.statusCode, 301)
    t.equal(res.headers.location, '/tags/data/feed.atom?archive=1')
  })

  t.test('a tag\'s or author\'s Atom feed keeps its id through a rename (RFC 4287 4.2.6)', async (t) => {
    const idOf = async (url: string) => /<id>([^<]+)<\/id>/.exec((await app.inject(url)).body)?.[1]
    for (const [table, plural, slug] of [[tags, 'tags', 'frontend'], [authors, 'authors', 'lin-zhang']] as const) {
      const [row] = await database.db.select().from(table).where(eq(table.slug, slug))
      const before = await idOf(`/${plural}/${slug}/feed.atom`)
      t.equal(before, `urn:uuid:${row!.id}`, `${plural}: named by its id`)
      await writeBehindApp(app, () => database.db.update(table).set({ slug: `${slug}-renamed` }).where(eq(table.id, row!.id)))
      t.equal(await idOf(`/${plural}/${slug}-renamed/feed.atom`), before, `${plural}: the same id at the new URL`)
      await writeBehindApp(app, () => database.db.update(table).set({ slug }).where(eq(table.id, row!.id)))
    }
    // The site's: an id the database keeps, the same from another replica, and behind a new API_URL.
    const site = await idOf('/feed.atom')
    t.match(site, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'the site\'s feed: a urn:uuid')
    const moved = await buildApp({ ...config, site: { ...config.site, apiUrl: 'https://blog.example.com/api', apiPath: '/api' } }, { database })
    t.teardown(() => moved.close())
    t.equal(/<id>([^<]+)<\/id>/.exec((await moved.inject('/feed.atom')).body)?.[1], site, 'the same id at the new URL')
  })
})
