import { asc, count, eq, inArray } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { Db } from '../../src/db/client.js'
import { authors, contentState, importSources, posts, postTags, slugHistory, tags } from '../../src/db/schema.js'
import { importFeed, type ItemResult } from '../../src/import/import-items.js'
import { parseFeed } from '../../src/import/parse-feed.js'
import { clippedLine, summaryLine } from '../../src/import/report.js'
import { testDatabase } from '../helper.js'
import { authHeaders } from '../support/auth.js'
import { fixture, FORMATS, type ImportFormat } from '../support/import.js'

interface Case {
  created: number
  ignored: number
  errors: number
  /** The public posts, newest first. */
  published: string[]
  drafts: string[]
  authors: Record<string, string>
  tags: Record<string, string>
  /** An edit at the source: a text in one post's body, and what it becomes. */
  edit: { slug: string; from: string; to: string }
  /** What else the format carries, checked on the served post. */
  more?: (t: Test, app: FastifyInstance) => Promise<void>
}

const cases: Record<ImportFormat, Case> = {
  rss: {
    created: 4, ignored: 0, errors: 2,
    published: ['notes-from-the-desk', 'handbook', 'pairing-across-time-zones', 'moving-our-job-queue-into-postgresql'],
    drafts: [],
    authors: { 'priya-raman': 'Priya Raman', 'tomas-ortega': 'Tomás Ortega', 'ops-team': 'Ops Team', 'editorial-desk': 'Editorial Desk' },
    tags: { postgresql: 'PostgreSQL', architecture: 'Architecture', culture: 'Culture', reliability: 'Reliability' },
    edit: { slug: 'moving-our-job-queue-into-postgresql', from: 'We ran a separate broker', to: 'We ran a self-hosted broker' },
  },
  atom: {
    created: 4, ignored: 0, errors: 1,
    published: ['summary-only', 'plain-text-plainly', 'fast-builds', 'sharding-the-ledger'],
    drafts: [],
    authors: { 'amara-nwosu': 'Amara Nwosu', 'jonas-berg': 'Jonas Berg', 'lattice-team': 'Lattice Team' },
    tags: { databases: 'Databases', architecture: 'Architecture', 'build-tools': 'Build Tools' },
    edit: { slug: 'sharding-the-ledger', from: 'We split the ledger by', to: 'We sharded the ledger by' },
  },
  wxr: {
    created: 4, ignored: 2, errors: 1,
    published: ['kubernetes-upgrades', 'ten-years-of-deploys'],
    drafts: ['half-written-our-incident-review-template', 'salaries-openly'],
    authors: { 'hanna-kowalski': 'Hanna Kowalski', 'dev-mensah': 'Dev Mensah' },
    tags: { 'platform-engineering': 'Platform Engineering', kubernetes: 'Kubernetes', 'ci-cd': 'CI/CD & Delivery' },
    edit: { slug: 'ten-years-of-deploys', from: 'Rollbacks in under a minute.', to: 'Rollbacks in under thirty seconds.' },
    more: async (t, app) => {
      const { data } = (await app.inject('/v1/posts/ten-years-of-deploys')).json()
      t.match(data, {
        title: 'Ten years of Copperline’s deploy pipeline',
        publishedAt: '2024-03-04T09:15:00.000Z',
        featured: true,
        excerpt: 'A decade of shipping, from one shell script to progressive delivery.',
        primaryTag: { slug: 'platform-engineering', name: 'Platform Engineering' },
        featureImage: { url: 'https://copperline.example.com/wp-content/uploads/2024/03/pipeline.png', alt: 'The deploy pipeline, stage by stage' },
      }, 'a WordPress post keeps its date, sticky flag, custom excerpt, primary category and featured image')
      t.match(data.html, /^<p>We started with a shell script/)
      t.match(data.html, /<figure><img src="https:\/\/copperline.example\/wp-content\/uploads\/deploys.png" alt="Deploys per week" width="640" \/>\s*<figcaption>Deploys per week, 2014 to 2024<\/figcaption>\s*<\/figure>/, 'a [caption] is a figure')
      t.notMatch(data.html, /\[\/?(caption|gallery)/, 'no shortcode is left as text')
    },
  },
}

/** Every post as stored, and the version every content write advances: equal snapshots mean nothing was written. */
async function snapshot(db: Db) {
  const rows = await db.select({ id: posts.id, slug: posts.slug, title: posts.title, html: posts.html, status: posts.status, updatedAt: posts.updatedAt })
    .from(posts).orderBy(asc(posts.slug))
  const [state] = await db.select({ version: contentState.version }).from(contentState)
  return { rows, version: state!.version }
}

for (const format of FORMATS) {
  const c = cases[format]
  t.test(`${format}: importing twice imports once; an edit at the source updates the same post`, async (t) => {
    const database = await testDatabase(t, { seed: false })
    const db = database.db
    const text = fixture(format)

    const first = await importFeed(db, parseFeed(text))
    t.match(first, { created: c.created, updated: 0, unchanged: 0, ignored: c.ignored, skipped: c.ignored })
    t.equal(first.errors.length, c.errors, 'the bad items are reported')
    t.ok(first.errors.every((e) => e.outcome === 'error' && e.reason), 'each with its reason')
    const afterFirst = await snapshot(db)
    t.equal(afterFirst.rows.length, c.created)
    t.same(afterFirst.rows.filter((r) => r.status === 'draft').map((r) => r.slug), c.drafts, 'drafts stay drafts')
    t.equal((await db.select({ n: count() }).from(importSources))[0]!.n, c.created, 'each post remembers its source item')

    for (const row of afterFirst.rows) {
      t.notMatch(row.html, /<script|onerror|onclick|javascript:/i, `${row.slug}: the stored html is sanitised`)
    }
    const authorRows = await db.select({ slug: authors.slug, name: authors.name }).from(authors)
    t.same(Object.fromEntries(authorRows.map((a) => [a.slug, a.name])), c.authors, 'authors are created with their display names')
    const tagRows = await db.select({ slug: tags.slug, name: tags.name }).from(tags).where(inArray(tags.slug, Object.keys(c.tags)))
    t.same(Object.fromEntries(tagRows.map((x) => [x.slug, x.name])), c.tags, 'tags are created with their display names')

    const second = await importFeed(db, parseFeed(text))
    t.match(second, { created: 0, updated: 0, unchanged: c.created, skipped: c.created + c.ignored })
    t.same(await snapshot(db), afterFirst, 'the second run writes nothing')

    const edited = text.replace(c.edit.from, c.edit.to)
    t.not(edited, text)
    const dry = await importFeed(db, parseFeed(edited), { dryRun: true })
    t.match(dry, { created: 0, updated: 1, unchanged: c.created - 1 })
    t.same(await snapshot(db), afterFirst, 'a dry run writes nothing')

    const third = await importFeed(db, parseFeed(edited))
    t.match(third, { created: 0, updated: 1, unchanged: c.created - 1 })
    const afterEdit = await snapshot(db)
    const before = afterFirst.rows.find((r) => r.slug === c.edit.slug)!
    const after = afterEdit.rows.find((r) => r.slug === c.edit.slug)!
    t.equal(after.id, before.id, 'the same post, with the same slug')
    t.ok(after.html.includes(c.edit.to), 'now with the edited text')
    t.ok(after.updatedAt > before.updatedAt, 'and a new updatedAt')
    t.same(afterEdit.rows.filter((r) => r.slug !== c.edit.slug), afterFirst.rows.filter((r) => r.slug !== c.edit.slug), 'the other posts are untouched')
    t.match(await importFeed(db, parseFeed(edited)), { created: 0, updated: 0, unchanged: c.created }, 'and the next run skips it again')

    const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', SITE_URL: 'https://blog.example.com' }), { database })
    t.teardown(() => app.close())
    const list = await app.inject('/v1/posts')
    t.equal(list.statusCode, 200)
    t.same(list.json().data.map((p: { slug: string }) => p.slug), c.published, 'GET /v1/posts serves the published ones, newest first')
    const one = (await app.inject(`/v1/posts/${c.edit.slug}`)).json().data
    t.ok(one.html.includes(c.edit.to))
    t.ok(one.authors.every((a: { slug: string; name: string }) => c.authors[a.slug] === a.name), 'with their authors')
    for (const slug of c.drafts) t.equal((await app.inject(`/v1/posts/${slug}`)).statusCode, 404, `the draft ${slug} is not public`)
    await c.more?.(t, app)
  })
}

t.test('a slug taken by another post gets a suffix; an existing author or tag is reused, not renamed', async (t) => {
  const database = await testDatabase(t, { seed: false })
  const db = database.db
  await db.insert(authors).values({ slug: 'priya-raman', name: 'Dr Priya Raman', title: 'Principal Engineer' })
  await db.insert(tags).values({ slug: 'architecture', name: 'Software Architecture' })
  await importFeed(db, parseFeed(fixture('rss')))
  // The same blog, moved to a new address: another source, so its items are new posts.
  const moved = fixture('rss').replace('<link>https://notes.example.org/</link>', '<link>https://harbour.example.org/</link>')
  const summary = await importFeed(db, parseFeed(moved))
  t.equal(summary.created, 4)
  const slugs = (await db.select({ slug: posts.slug }).from(posts)).map((r) => r.slug)
  t.ok(slugs.includes('handbook') && slugs.includes('handbook-2'), 'the second import of a slug is made unique')
  const [priya] = await db.select().from(authors).where(eq(authors.slug, 'priya-raman'))
  t.match(priya, { name: 'Dr Priya Raman', title: 'Principal Engineer' }, 'the existing author keeps her name and title')
  const [architecture] = await db.select().from(tags).where(eq(tags.slug, 'architecture'))
  t.equal(architecture?.name, 'Software Architecture')
})

t.test('a category is the tag of its name, whatever that tag\'s slug; one tag named twice in an item is linked once', async (t) => {
  const database = await testDatabase(t, { seed: false })
  const db = database.db
  await db.insert(tags).values([{ slug: 'pg', name: 'PostgreSQL' }, { slug: 'ops', name: 'Operations' }])
  // A tag renamed from `operations` to `ops`: the item's category "Ops Notes" is new, "operations" is the old slug.
  await db.insert(slugHistory).values({ kind: 'tag', oldSlug: 'operations', targetId: (await db.select().from(tags).where(eq(tags.slug, 'ops')))[0]!.id })
  const rss = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
  <title>Notes</title><link>https://notes.example.org/</link><description>Notes</description>
  <item><title>Vacuum</title><link>https://notes.example.org/vacuum</link><guid>https://notes.example.org/?p=1</guid>
    <pubDate>Thu, 07 Mar 2024 16:05:00 GMT</pubDate><dc:creator>Priya Raman</dc:creator>
    <category>postgresql</category><category>Operations</category><category>ops</category><description>On vacuum.</description></item>
</channel></rss>`
  const summary = await importFeed(db, parseFeed(rss))
  t.match(summary, { created: 1, errors: [] })
  t.same((await db.select({ slug: tags.slug }).from(tags).orderBy(asc(tags.slug))).map((x) => x.slug), ['ops', 'pg'], 'no second PostgreSQL, no second Operations')
  const linked = await db.select({ slug: tags.slug }).from(postTags).innerJoin(tags, eq(tags.id, postTags.tagId)).orderBy(asc(postTags.position))
  t.same(linked.map((x) => x.slug), ['pg', 'ops'], 'each tag once, where the item first names it')
})

t.test('two names that make one slug are two tags, each found again by its name; an author is found by her name, whatever her slug', async (t) => {
  const database = await testDatabase(t, { seed: false })
  const db = database.db
  await db.insert(authors).values({ slug: 'grace', name: 'Grace Hopper' })
  const item = (id: number, categories: string[]) => `<item><title>Post ${id}</title><link>https://lang.example.org/${id}</link><guid>https://lang.example.org/?p=${id}</guid>
    <pubDate>Thu, 0${id} Mar 2024 16:05:00 GMT</pubDate><dc:creator>Grace Hopper</dc:creator>${categories.map((c) => `<category>${c}</category>`).join('')}<description>On languages.</description></item>`
  const rss = (items: string) => `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Langs</title><link>https://lang.example.org/</link><description>Langs</description>${items}</channel></rss>`
  const results: ItemResult[] = []
  t.match(await importFeed(db, parseFeed(rss(item(1, ['C++', 'C#', 'c++', '🚀']))), { onItem: (r) => results.push(r) }), { created: 1, errors: [] })
  t.match(results[0]?.clipped, [/the tag "🚀" was dropped: a tag's name needs a letter or a digit/], 'a name that makes no slug is dropped, and said')
  t.match(await importFeed(db, parseFeed(rss(item(1, ['C++', 'C#', 'c++', '🚀']) + item(2, ['C#'])))), { created: 1, unchanged: 1, errors: [] })
  const tagsOf = async (n: number) => (await db.select({ slug: tags.slug, name: tags.name }).from(postTags).innerJoin(tags, eq(tags.id, postTags.tagId))
    .innerJoin(posts, eq(posts.id, postTags.postId)).where(eq(posts.title, `Post ${n}`)).orderBy(asc(postTags.position)))
  t.same(await tagsOf(1), [{ slug: 'c', name: 'C++' }, { slug: 'c-2', name: 'C#' }], '"C++" and "C#" (and "c++" once, as the API compares names)')
  t.same(await tagsOf(2), [{ slug: 'c-2', name: 'C#' }], 'a later item\'s "C#" is C#, not the tag that came first with its slug')
  t.same((await db.select({ slug: authors.slug }).from(authors)).map((a) => a.slug), ['grace'], 'no second Grace Hopper')
  const [linked] = await db.select({ n: count() }).from(posts)
  t.equal(linked?.n, 2)
})

t.test('an RSS item without a pubDate arrives as a draft, and a re-run leaves it', async (t) => {
  const database = await testDatabase(t, { seed: false })
  const rss = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Undated</title><link>https://undated.example.org/</link><description>d</description>
  <item><title>Whenever</title><link>https://undated.example.org/whenever</link><author>ed@undated.example.org (Ed)</author><description>Some time.</description></item>
</channel></rss>`
  const results: ItemResult[] = []
  t.match(await importFeed(database.db, parseFeed(rss), { onItem: (r) => results.push(r) }), { created: 1, errors: [] })
  t.match(results[0]?.clipped, [/no publication date: imported as a draft/])
  const [post] = await database.db.select({ status: posts.status, publishedAt: posts.publishedAt }).from(posts)
  t.same(post, { status: 'draft', publishedAt: null })
  t.match(await importFeed(database.db, parseFeed(rss)), { created: 0, updated: 0, unchanged: 1 })
  // Dated and published by an editor; then the item changes at its source.
  const dated = new Date('2024-05-06T07:08:09Z')
  await database.db.update(posts).set({ status: 'published', publishedAt: dated })
  t.match(await importFeed(database.db, parseFeed(rss.replace('Some time.', 'Some other time.'))), { updated: 1, errors: [] })
  const [updated] = await database.db.select({ status: posts.status, publishedAt: posts.publishedAt, excerpt: posts.excerpt }).from(posts)
  t.same(updated, { status: 'published', publishedAt: dated, excerpt: 'Some other time.' }, 'the text follows the source; the editor\'s status and date stay')
})

t.test('a tag an imported draft brings in is hidden until a post of it is out; one a published item brings in is shown', async (t) => {
  const database = await testDatabase(t, { seed: false })
  const rss = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Mixed</title><link>https://mixed.example.org/</link><description>d</description>
  <item><title>Out</title><link>https://mixed.example.org/out</link><pubDate>Mon, 06 May 2024 07:08:09 GMT</pubDate><category>Open Topic</category><description>Here.</description></item>
  <item><title>Undated</title><link>https://mixed.example.org/undated</link><category>Secret Topic</category><description>Soon.</description></item>
</channel></rss>`
  t.match(await importFeed(database.db, parseFeed(rss)), { created: 2, errors: [] })
  const rows = await database.db.select({ slug: tags.slug, hidden: tags.hiddenUntilPublished }).from(tags).orderBy(tags.slug)
  t.same(rows, [{ slug: 'open-topic', hidden: false }, { slug: 'secret-topic', hidden: true }])
})

t.test('a post scheduled at its source is scheduled here, created and updated no later than the import', async (t) => {
  const database = await testDatabase(t, { seed: false })
  const rss = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Ahead</title><link>https://ahead.example.org/</link><description>d</description>
  <item><title>Later</title><link>https://ahead.example.org/later</link><author>ed@ahead.example.org (Ed)</author><pubDate>${new Date(Date.UTC(new Date().getUTCFullYear() + 2, 0, 1, 9)).toUTCString()}</pubDate><description>Soon.</description></item>
</channel></rss>`
  const before = Date.now()
  t.match(await importFeed(database.db, parseFeed(rss)), { created: 1, errors: [] })
  const [post] = await database.db.select({ status: posts.status, publishedAt: posts.publishedAt, createdAt: posts.createdAt, updatedAt: posts.updatedAt }).from(posts)
  t.equal(post?.status, 'published')
  t.ok(post!.publishedAt!.getTime() > Date.now(), 'published in the future: scheduled')
  for (const field of ['createdAt', 'updatedAt'] as const) {
    t.ok(post![field].getTime() >= before - 1000 && post![field].getTime() <= Date.now(), `${field} is the import's moment, not the publication ahead`)
  }
})

t.test('authors and tags named without Latin letters are each their own, and found again on the next run', async (t) => {
  const database = await testDatabase(t, { seed: false })
  const db = database.db
  const rss = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
  <title>東京エンジニアリング</title><link>https://tokyo.example.jp/</link><description>ブログ</description>
  <item><title>データベースの移行</title><link>https://tokyo.example.jp/posts/migration</link><guid>https://tokyo.example.jp/?p=1</guid>
    <pubDate>Thu, 07 Mar 2024 16:05:00 GMT</pubDate><dc:creator>山田太郎</dc:creator><category>データベース</category><category>インフラ</category>
    <description>移行の話です。</description></item>
  <item><title>監視の話</title><link>https://tokyo.example.jp/posts/monitoring</link><guid>https://tokyo.example.jp/?p=2</guid>
    <pubDate>Fri, 08 Mar 2024 09:05:00 GMT</pubDate><dc:creator>鈴木花子</dc:creator><category>インフラ</category>
    <description>監視の話です。</description></item>
</channel></rss>`
  const summary = await importFeed(db, parseFeed(rss))
  t.match(summary, { created: 2, errors: [] })
  const storedAuthors = await db.select({ slug: authors.slug, name: authors.name }).from(authors).orderBy(asc(authors.name))
  t.same(storedAuthors.map((a) => a.name).sort(), ['山田太郎', '鈴木花子'].sort(), 'two authors, not one')
  t.not(storedAuthors[0]!.slug, storedAuthors[1]!.slug)
  const storedTags = await db.select({ id: tags.id, slug: tags.slug, name: tags.name }).from(tags)
  t.same(storedTags.map((x) => x.name).sort(), ['インフラ', 'データベース'].sort(), 'both tags kept')
  for (const tag of storedTags) t.match(tag.slug, /^tag-[0-9a-f]{8}$/, `${tag.name} has a slug of its own`)
  const links = await db.select({ tagId: postTags.tagId, n: count() }).from(postTags).groupBy(postTags.tagId)
  const infra = storedTags.find((x) => x.name === 'インフラ')!
  t.equal(links.find((l) => l.tagId === infra.id)?.n, 2, 'one tag for both posts that name it')

  const again = await importFeed(db, parseFeed(rss))
  t.match(again, { created: 0, updated: 0 })
  t.equal((await db.select({ n: count() }).from(authors))[0]!.n, 2, 'the next run finds the same authors')
  t.equal((await db.select({ n: count() }).from(tags))[0]!.n, 2, 'and the same tags')
})

t.test('a WordPress display name escaped in the export is imported as its text, and found again on the next run', async (t) => {
  const database = await testDatabase(t, { seed: false })
  const db = database.db
  // WordPress escapes display names as it does term names: the export carries `&amp;` inside the CDATA.
  const item = (id: number, slug: string) => `<item><title>Post ${id}</title><link>https://wp.example.com/${slug}/</link>
    <guid isPermaLink="false">https://wp.example.com/?p=${id}</guid><dc:creator><![CDATA[bob]]></dc:creator>
    <content:encoded><![CDATA[Text ${id}.]]></content:encoded><wp:post_id>${id}</wp:post_id><wp:post_date_gmt><![CDATA[2024-03-0${id} 09:00:00]]></wp:post_date_gmt>
    <wp:post_name><![CDATA[${slug}]]></wp:post_name><wp:status><![CDATA[publish]]></wp:status><wp:post_type><![CDATA[post]]></wp:post_type></item>`
  const wxr = (items: string) => `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/"><channel>
  <title>WP</title><link>https://wp.example.com</link>
  <wp:author><wp:author_login><![CDATA[bob]]></wp:author_login><wp:author_display_name><![CDATA[Bob "Bobby" O'Neil &amp; Co]]></wp:author_display_name></wp:author>
  ${items}
</channel></rss>`
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { database })
  t.teardown(() => app.close())
  const bylines = async (slug: string) => (await app.inject(`/v1/posts/${slug}`)).json().data.authors.map((a: { id: string; slug: string; name: string }) => a)

  t.match(await importFeed(db, parseFeed(wxr(item(1, 'first')))), { created: 1, errors: [] })
  const [bob] = await bylines('first')
  t.match(bob, { slug: 'bob-bobby-o-neil-and-co', name: 'Bob "Bobby" O\'Neil & Co' }, 'the name as WordPress displays it, not its html')

  t.match(await importFeed(db, parseFeed(wxr(item(1, 'first')))), { created: 0, updated: 0, unchanged: 1 }, 'a re-run changes nothing')
  t.match(await importFeed(db, parseFeed(wxr(item(1, 'first') + item(2, 'second')))), { created: 1, updated: 0, unchanged: 1 })
  t.same(await bylines('second'), [bob], 'a later export\'s post by the same person has the same author')
  t.equal((await db.select({ n: count() }).from(authors))[0]!.n, 1, 'and no second author is made')
})

t.test('relative addresses in a feed resolve against the xml:base in scope, else the post\'s old URL; a relative link is still the slug', async (t) => {
  const database = await testDatabase(t, { seed: false })
  const db = database.db
  const entry = (id: number, title: string, more: string, attrs = '') => `<entry${attrs}><id>urn:example:${id}</id><title>${title}</title>
    <updated>2024-05-0${id}T10:00:00Z</updated>${more}</entry>`
  // XML Base (RFC 4287 section 2): each xml:base is resolved against the one outside it.
  const based = `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://www.example.com/blog/">
  <title>Example</title><id>urn:example:blog</id><link href="https://www.example.com/blog/"/><author><name>Ex Ample</name></author>
  ${entry(1, 'Everything is relative', `<link rel="alternate" href="2024/relative-everything/"/>
    <content type="html">&lt;p&gt;&lt;img src="media/pic.png" alt="Pic"&gt; &lt;a href="../about/"&gt;About&lt;/a&gt;&lt;/p&gt;</content>`)}
  ${entry(2, 'Bases within bases', `<link href="nested/"/><content type="html" xml:base="/assets/">&lt;p&gt;&lt;img src="pic.png" alt="Nested"&gt;&lt;/p&gt;</content>`, ' xml:base="2023/"')}
</feed>`
  // No xml:base: the entry's link, itself against the blog's address. (Titles unlike the slugs: those come from the links.)
  const plain = `<feed xmlns="http://www.w3.org/2005/Atom"><title>Plain</title><id>urn:example:plain</id><link href="https://old.example.net/"/>
  <author><name>Ex Ample</name></author>
  ${entry(3, 'A plain relative link', '<link href="/2022/plain-relative/"/><content type="html">&lt;p&gt;&lt;img src="pic.png" alt="Plain"&gt;&lt;/p&gt;</content>')}
</feed>`
  const rss = `<rss version="2.0"><channel><title>Notes</title><link>https://notes.example.org/</link>
  <item><title>An RSS item</title><link>/2024/relative-rss/</link><guid>notes-1</guid><pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate><description>Hi.</description></item>
</channel></rss>`
  for (const feed of [based, plain, rss]) t.match(await importFeed(db, parseFeed(feed)), { created: (feed === based ? 2 : 1), errors: [] })

  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { database })
  t.teardown(() => app.close())
  const html = async (slug: string) => {
    const res = await app.inject(`/v1/posts/${slug}`)
    t.equal(res.statusCode, 200, `the slug ${slug} is the last segment of the old URL`)
    return (res.json().data?.html ?? '') as string
  }
  const relative = await html('relative-everything')
  t.match(relative, /<img src="https:\/\/www\.example\.com\/blog\/media\/pic\.png"/, 'against the feed\'s xml:base')
  t.match(relative, /<a href="https:\/\/www\.example\.com\/about\/"/)
  t.match(await html('nested'), /<img src="https:\/\/www\.example\.com\/assets\/pic\.png"/, 'against the content\'s own, resolved against the entry\'s')
  t.match(await html('plain-relative'), /<img src="https:\/\/old\.example\.net\/2022\/plain-relative\/pic\.png"/, 'against the entry\'s link')
  await html('relative-rss')
})

t.test('what the write API would refuse is clipped or dropped, and said: an editor can send the imported post back as it is', async (t) => {
  const database = await testDatabase(t, { seed: false })
  const db = database.db
  const longTitle = `Postmortem ${'x'.repeat(400)}`
  const longTag = `Reliability ${'engineering '.repeat(12)}rocks`
  const longName = `Ada ${'Lovelace-Byron '.repeat(15)}Countess X`
  const categories = [longTag, ...Array.from({ length: 59 }, (_, i) => `Topic ${i + 1}`)]
  const rss = `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
  <title>Big</title><link>https://big.example.org/</link>
  <item><title>${longTitle}</title><link>https://big.example.org/too-much/</link><guid>big-1</guid><pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate>
    <dc:creator>${longName}</dc:creator>${categories.map((c) => `<category>${c}</category>`).join('')}
    <description>${'A summary as long as the post. '.repeat(40)}</description><content:encoded>&lt;p&gt;The post.&lt;/p&gt;</content:encoded></item>
</channel></rss>`
  t.same([longTag.length, longName.length, categories.length], [161, 239, 60])

  const results: ItemResult[] = []
  const summary = await importFeed(db, parseFeed(rss), { onItem: (result) => results.push(result) })
  t.match(summary, { created: 1, errors: [], clipped: 1 })
  t.equal(summaryLine(summary, false), 'created 1, updated 0, skipped 0, errors 0, clipped 1 (see the warnings)')
  t.equal(clippedLine(results[0]!), `warning: item 1 "Postmortem ${'x'.repeat(48)}…": ` + [
    `its title (${longTitle.length} characters) was clipped to 300`,
    'its excerpt (1239 characters) was dropped, over the 1000 the API takes: one is derived from the text',
    'the author name "Ada Lovelace-Byron Lovelace-Byron…" (239 characters) was clipped to 200',
    'its last 10 tags (of 60) were dropped: a post takes 50',
    'the tag name "Reliability engineering engineering…" (161 characters) was clipped to 100',
  ].join('; '), 'the report says what was clipped and dropped')

  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { database })
  t.teardown(() => app.close())
  const { data: post } = (await app.inject('/v1/posts/too-much')).json()
  t.equal(post.title.length, 300, 'the title within the 300 characters a write takes')
  t.match(post.title, /^Postmortem x+…$/)
  t.equal(post.excerpt, 'The post.', 'the summary is no excerpt: one is derived from the text')
  t.same(post.tags.map((x: { name: string }) => x.name).slice(1), categories.slice(1, 50), 'the first 50 tags, in order')
  t.equal(post.tags[0].name, `Reliability ${'engineering '.repeat(6)}engineering…`, 'a tag name within 100 characters, cut at a word')
  t.equal(post.authors[0].name.length <= 200 && post.authors[0].name.endsWith('…'), true, 'an author name within 200')

  // What an editor does: read the post, its tag and author, and send them back.
  const headers = await authHeaders(db)
  const patch = (url: string, payload: object) => app.inject({ method: 'PATCH', url, headers, payload })
  const sent = await patch(`/v1/posts/${post.id}`, {
    title: post.title, excerpt: post.excerpt, authors: post.authors.map((a: { slug: string }) => a.slug), tags: post.tags.map((x: { slug: string }) => x.slug),
  })
  t.equal(sent.statusCode, 200, `the post goes back as it is: ${sent.body.slice(0, 300)}`)
  t.equal((await patch(`/v1/tags/${post.tags[0].slug}`, { name: post.tags[0].name })).statusCode, 200, 'so does its tag')
  t.equal((await patch(`/v1/authors/${post.authors[0].slug}`, { name: post.authors[0].name })).statusCode, 200, 'and its author')

  const again = await importFeed(db, parseFeed(rss), { onItem: (result) => t.equal(clippedLine(result), undefined, 'an unchanged item is not reported again') })
  t.match(again, { unchanged: 1, clipped: 0 })
})
