import t from 'tap'
import { setImmediate } from 'node:timers/promises'
import { gzipSync } from 'node:zlib'
import { count, eq, sql } from 'drizzle-orm'
import { posts, slugHistory, tags } from '../../../src/db/schema.js'
import { build, writeBehindApp } from '../../helper.js'
import { authHeaders } from '../../support/auth.js'
import { readContentState } from '../../support/content-state.js'

const markdown = '## Why\n\nWe moved the **routing** cache.\n\n- one\n- two\n\n```sql\nselect 1;\n```\n\n[docs](https://www.postgresql.org/docs/)\n'

t.test('the post write API', async (t) => {
  // More writes than a minute's default limit: the limits have tests of their own (test/plugins/rate-limit.test.ts).
  // And a render time limit that a loaded machine does not reach before the renderer's stack overflows
  // (below): the limit has a test of its own (at the end of this file).
  const { app, database } = await build(t, { env: { RATE_LIMIT_WRITES_PER_MINUTE: '0', POST_RENDER_TIMEOUT_MS: '60000' } })
  const headers = await authHeaders(database.db)
  const create = (payload: unknown) => app.inject({ method: 'POST', url: '/v1/posts', headers, payload: payload as object })
  const postCount = async () => (await database.db.select({ n: count() }).from(posts))[0]!.n

  t.test('POST /v1/posts creates a draft from Markdown, with derived fields, Location and ETag', async (t) => {
    const res = await create({ title: 'Moving the routing cache', markdown, authors: ['ada-okafor', 'mateo-ruiz'], tags: ['architecture', 'caching'] })
    t.equal(res.statusCode, 201)
    const { data } = res.json()
    t.equal(res.headers.location, '/v1/posts/moving-the-routing-cache')
    t.match(res.headers.etag, /^"[\w-]+"$/)
    t.match(data, { slug: 'moving-the-routing-cache', status: 'draft', publishedAt: null, featured: false, markdown })
    t.match(data.html, /<h2 id="user-content-why">Why<\/h2>/)
    t.match(data.html, /<pre><code class="language-sql">/)
    t.equal(data.excerpt, 'We moved the routing cache. one two docs', 'prose only: no heading, no code')
    t.ok(data.wordCount > 5)
    t.equal(data.readingTimeMinutes, 1)
    t.same(data.authors.map((a: { slug: string }) => a.slug), ['ada-okafor', 'mateo-ruiz'])
    t.same(data.tags.map((x: { slug: string }) => x.slug), ['architecture', 'caching'])
    const [created] = await database.db.select().from(tags).where(eq(tags.slug, 'caching'))
    t.equal(created?.name, 'Caching', 'an unknown tag is created')
    // Named from its slug (120 characters at most), within the 100 a tag's name takes: sent back as it is read, it is taken.
    const longSlug = `made-from-a-long-slug-${'word-'.repeat(19)}end`
    t.equal((await create({ title: 'Long tag', markdown: 'x', authors: ['ada-okafor'], tags: [longSlug] })).statusCode, 201)
    const longTag = (await app.inject({ url: `/v1/tags/${longSlug}`, headers })).json().data
    t.ok(Array.from(longTag.name).length <= 100 && longTag.name.startsWith('Made from a long slug word') && longTag.name.endsWith('…'), longTag.name)
    const sentBack = await app.inject({ method: 'PATCH', url: `/v1/tags/${longSlug}`, headers, payload: { name: longTag.name, description: 'Sent back' } })
    t.equal(sentBack.statusCode, 200, 'its name sent back is taken')
    t.equal((await app.inject('/v1/posts/moving-the-routing-cache')).statusCode, 404, 'a draft is not public')
    const withKey = await app.inject({ url: '/v1/posts/moving-the-routing-cache', headers })
    t.equal(withKey.statusCode, 200, 'a key reads the draft')
    t.equal(withKey.headers.etag, res.headers.etag, 'the same representation has the same ETag')
  })

  t.test('a derived slug is made unique; a given slug that is taken is a 409', async (t) => {
    const again = await create({ title: 'Moving the routing cache', html: '<p>Second</p>', authors: ['ada-okafor'] })
    t.equal(again.json().data.slug, 'moving-the-routing-cache-2')
    const before = await postCount()
    const taken = await create({ title: 'Other', slug: 'moving-the-routing-cache', html: '<p>x</p>', authors: ['ada-okafor'] })
    t.equal(taken.statusCode, 409)
    t.match(taken.headers['content-type'], /problem\+json/)
    t.equal(await postCount(), before)
  })

  t.test('publishing: now by default, or scheduled in the future and invisible until then', async (t) => {
    const now = await create({ title: 'Published now', markdown: 'Hello.', authors: ['lin-zhang'], status: 'published' })
    t.equal(now.statusCode, 201)
    t.ok(Math.abs(Date.parse(now.json().data.publishedAt) - Date.now()) < 60_000)
    t.equal((await app.inject('/v1/posts?limit=1')).json().data[0].slug, 'published-now')

    // A title that is a UUID gets a slug that is not one, and the post is found by it.
    const uuidTitle = await create({ title: '11111111-2222-4333-8444-555555555555', markdown: 'Named by an id.', authors: ['lin-zhang'], status: 'published' })
    t.equal(uuidTitle.statusCode, 201)
    t.equal(uuidTitle.json().data.slug, '11111111-2222-4333-8444-555555555555-post')
    t.equal((await app.inject(`/v1/posts/${uuidTitle.json().data.slug}`)).json().data.id, uuidTitle.json().data.id, 'reachable by its slug')
    await app.inject({ method: 'DELETE', url: `/v1/posts/${uuidTitle.json().data.id}`, headers })
    const future = await create({ title: 'Next year', markdown: 'Soon.', authors: ['lin-zhang'], status: 'published', publishedAt: '2099-01-01T00:00:00Z' })
    t.equal(future.statusCode, 201)
    t.equal((await app.inject('/v1/posts/next-year')).statusCode, 404, 'scheduled is not public')
    const publicSlugs = (await app.inject('/v1/posts?limit=100')).json().data.map((p: { slug: string }) => p.slug)
    t.notOk(publicSlugs.includes('next-year'))
    const keyed = (await app.inject({ url: '/v1/posts?status=published&limit=100', headers })).json().data.map((p: { slug: string }) => p.slug)
    t.ok(keyed.includes('next-year'), 'status=published with a key includes scheduled posts')
    for (const feed of ['/feed.xml', '/feed.atom', '/feed.json', '/authors/lin-zhang/feed.json']) {
      const body = (await app.inject(feed)).body
      t.match(body, /published-now/, `${feed} has the published post`)
      t.notMatch(body, /next-year|moving-the-routing-cache/, `${feed} has no scheduled post or draft`)
    }
    const drafts = (await app.inject({ url: '/v1/posts?status=draft&limit=100', headers })).json().data
    t.ok(drafts.every((p: { status: string }) => p.status === 'draft'))
    t.ok(drafts.some((p: { slug: string }) => p.slug === 'moving-the-routing-cache'))
  })

  t.test('drafts, which have no publication date, are listed most recently updated first, also after the published posts in status=all', async (t) => {
    const slugs = ['order-first-draft', 'order-second-draft', 'order-third-draft']
    const ids: string[] = []
    for (const slug of slugs) {
      const res = await create({ title: slug, slug, markdown: 'Draft.', authors: ['lin-zhang'] })
      t.equal(res.statusCode, 201)
      ids.push(res.json().data.id)
    }
    // Their dates apart by whole seconds, as an editor's saves would be; the first is edited last.
    for (const [i, id] of ids.entries()) await database.db.update(posts).set({ updatedAt: new Date(Date.UTC(2020, 0, 1, 0, 0, i)) }).where(eq(posts.id, id))
    const edited = await app.inject({ method: 'PATCH', url: `/v1/posts/${ids[0]}`, headers, payload: { featured: true } })
    t.equal(edited.statusCode, 200)
    const expected = ['order-first-draft', 'order-third-draft', 'order-second-draft']
    const listed = async (query: string) => ((await app.inject({ url: `/v1/posts?${query}&limit=100`, headers })).json().data as { slug: string; status: string }[])
    for (const query of ['status=draft', 'status=draft&sort=-publishedAt', 'status=draft&sort=publishedAt', 'status=draft&q=draft']) {
      t.same((await listed(query)).map((p) => p.slug).filter((slug) => slugs.includes(slug)), expected, query)
    }
    const all = await listed('status=all')
    t.same(all.map((p) => p.slug).filter((slug) => slugs.includes(slug)), expected, 'status=all')
    const firstDraft = all.findIndex((p) => p.status === 'draft')
    t.ok(firstDraft > 0 && all.slice(firstDraft).every((p) => p.status === 'draft'), 'status=all: the published posts first, newest first, then the drafts')
  })

  t.test('a published post\'s date cannot be cleared (that would re-date it to now); a draft published with null gets now', async (t) => {
    const published = await create({ title: 'Dated long ago', markdown: 'Old.', authors: ['lin-zhang'], status: 'published', publishedAt: '2024-03-01T09:00:00Z' })
    t.equal(published.statusCode, 201)
    const { id } = published.json().data
    for (const payload of [{ publishedAt: null }, { status: 'published', publishedAt: null }]) {
      const res = await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers, payload })
      t.equal(res.statusCode, 400, JSON.stringify(payload))
      t.same(res.json().errors, [{ in: 'body', name: '/publishedAt', message: 'cannot be cleared on a published post: send a date (a future one schedules it), or status draft to unpublish it' }])
    }
    t.equal((await app.inject({ url: `/v1/posts/${id}`, headers })).json().data.publishedAt, '2024-03-01T09:00:00.000Z', 'the date is as it was')
    const unpublished = await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers, payload: { status: 'draft', publishedAt: null } })
    t.equal(unpublished.statusCode, 200)
    t.equal(unpublished.json().data.publishedAt, null, 'unpublished, the date can go')
    const before = Date.now()
    const republished = await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers, payload: { status: 'published', publishedAt: null } })
    t.equal(republished.statusCode, 200)
    t.ok(Date.parse(republished.json().data.publishedAt) >= before - 1000, 'a draft published with null: now')
  })

  t.test('quotes nested so deep that they overflow the renderer\'s stack are a 400 naming the body, in a new post or an edit', async (t) => {
    const before = await postCount()
    const markdown = `${'>'.repeat(20_000)} x`
    const res = await create({ title: 'Deep quotes', markdown, authors: ['ada-okafor'] })
    t.equal(res.statusCode, 400)
    t.same(res.json().errors, [{ in: 'body', name: '/markdown', message: "could not be rendered (the renderer's stack overflowed): lists or quotes nested hundreds deep are the usual cause" }])
    t.equal(await postCount(), before, 'nothing was stored')
    const shallow = await create({ title: 'Shallow quotes', markdown: '> > a quote', authors: ['ada-okafor'] })
    t.equal(shallow.statusCode, 201)
    t.match(shallow.json().data.html, /<blockquote>\s*<blockquote>\s*<p>a quote/)
    const edit = await app.inject({ method: 'PATCH', url: `/v1/posts/${shallow.json().data.id}`, headers, payload: { markdown } })
    t.equal(edit.statusCode, 400)
    t.same(edit.json().errors.map((e: { name: string }) => e.name), ['/markdown'])
  })

  t.test('PATCH changes only the given fields; a new slug leaves a 301 behind', async (t) => {
    const { data: before } = (await app.inject({ url: '/v1/posts/published-now', headers })).json()
    const res = await app.inject({ method: 'PATCH', url: `/v1/posts/${before.id}`, headers, payload: { title: 'Published, renamed', slug: 'published-renamed', tags: ['culture'] } })
    t.equal(res.statusCode, 200)
    const { data } = res.json()
    t.match(data, { title: 'Published, renamed', slug: 'published-renamed', html: before.html, publishedAt: before.publishedAt })
    t.same(data.tags.map((x: { slug: string }) => x.slug), ['culture'])
    t.ok(Date.parse(data.updatedAt) >= Date.parse(before.updatedAt))
    const moved = await app.inject('/v1/posts/published-now')
    t.equal(moved.statusCode, 301)
    t.equal(moved.headers.location, '/v1/posts/published-renamed')
    const related = await app.inject('/v1/posts/published-now/related?limit=2')
    t.equal(related.statusCode, 301, 'so does its related posts\' URL')
    t.equal(related.headers.location, '/v1/posts/published-renamed/related?limit=2')
    t.equal((await app.inject(related.headers.location as string)).statusCode, 200)
    const [history] = await database.db.select().from(slugHistory).where(eq(slugHistory.oldSlug, 'published-now'))
    t.equal(history?.targetId, before.id)
    // A write is not redirected: its 404 names the slug to write to instead, a draft's too.
    for (const method of ['PATCH', 'DELETE'] as const) {
      const res = await app.inject({ method, url: '/v1/posts/published-now', headers, ...(method === 'PATCH' ? { payload: { featured: true } } : {}) })
      t.equal(res.statusCode, 404, method)
      t.equal(res.json().detail, 'No post has the id or slug published-now: it was renamed, and its slug is now published-renamed', method)
    }
    const draft = (await create({ title: 'Draft to rename', markdown: 'x', authors: ['lin-zhang'] })).json().data
    t.equal((await app.inject({ method: 'PATCH', url: `/v1/posts/${draft.id}`, headers, payload: { slug: 'draft-renamed-for-writes' } })).statusCode, 200)
    const renamedDraft = await app.inject({ method: 'PATCH', url: `/v1/posts/${draft.slug}`, headers, payload: { featured: true } })
    t.equal(renamedDraft.json().detail, `No post has the id or slug ${draft.slug}: it was renamed, and its slug is now draft-renamed-for-writes`)
    t.equal((await app.inject({ method: 'PATCH', url: '/v1/posts/never-was', headers, payload: { featured: true } })).json().detail, 'No post has the id or slug never-was')
  })

  t.test('a PATCH that changes nothing writes nothing: the post keeps its update time, the content its version', async (t) => {
    const { data: before } = (await app.inject({ url: '/v1/posts/published-renamed', headers })).json()
    const state = await readContentState(database.db)
    const [row] = await database.db.select({ updatedAt: posts.updatedAt, xmin: sql<string>`xmin::text` }).from(posts).where(eq(posts.id, before.id))
    const same = {
      title: before.title, slug: before.slug, markdown: before.markdown, featured: before.featured, status: before.status, publishedAt: before.publishedAt,
      tags: before.tags.map((x: { slug: string }) => x.slug), authors: before.authors.map((a: { slug: string }) => a.slug),
    }
    const res = await app.inject({ method: 'PATCH', url: `/v1/posts/${before.id}`, headers, payload: same })
    t.equal(res.statusCode, 200)
    t.same(res.json().data, before, 'the post as it was, updatedAt included')
    t.equal(res.headers.etag, (await app.inject({ url: `/v1/posts/${before.id}`, headers })).headers.etag)
    t.same(await readContentState(database.db), state, 'no content version advanced')
    const [after] = await database.db.select({ updatedAt: posts.updatedAt, xmin: sql<string>`xmin::text` }).from(posts).where(eq(posts.id, before.id))
    t.same(after, row, 'the row is not written')

    const changed = await app.inject({ method: 'PATCH', url: `/v1/posts/${before.id}`, headers, payload: { ...same, featured: !before.featured } })
    t.equal(changed.json().data.featured, !before.featured, 'one field that changes: written')
    t.ok(Date.parse(changed.json().data.updatedAt) > Date.parse(before.updatedAt))
    t.ok((await readContentState(database.db)).version > state.version)
    await app.inject({ method: 'PATCH', url: `/v1/posts/${before.id}`, headers, payload: { featured: before.featured } })

    // The excerpt shown is the derived one: sent back as the post's own, it stays when the body changes.
    const customExcerpt = async () => (await database.db.select({ customExcerpt: posts.customExcerpt }).from(posts).where(eq(posts.id, before.id)))[0]!.customExcerpt
    t.equal(await customExcerpt(), null, 'derived')
    t.equal((await app.inject({ method: 'PATCH', url: `/v1/posts/${before.id}`, headers, payload: { excerpt: before.excerpt } })).statusCode, 200)
    t.equal(await customExcerpt(), before.excerpt, 'the same words, now the post\'s own: written')
    t.equal((await app.inject({ method: 'PATCH', url: `/v1/posts/${before.id}`, headers, payload: { excerpt: null } })).statusCode, 200)
    t.equal(await customExcerpt(), null, 'and derived again: written, though the words shown are the same')
  })

  t.test('a draft taking an old slug leaves its redirect until the public can see the draft', async (t) => {
    const redirect = async () => {
      const res = await app.inject('/v1/posts/published-now')
      const resolved = (await app.inject('/v1/resolve?path=/posts/published-now')).json().data
      return { status: res.statusCode, location: res.headers.location, resolved: resolved && { type: resolved.type, path: resolved.path } }
    }
    const moved = { status: 301, location: '/v1/posts/published-renamed', resolved: { type: 'redirect', path: '/posts/published-renamed' } }
    const draft = await create({ title: 'Takes the old slug', markdown: 'Mine now.', authors: ['lin-zhang'], slug: 'published-now' })
    t.equal(draft.statusCode, 201)
    t.same(await redirect(), moved, 'created as a draft: the old slug still leads the public to the renamed post')
    t.equal((await app.inject({ url: '/v1/posts/published-now', headers })).json().data.id, draft.json().data.id, 'a key finds the draft by it')
    const renamed = await app.inject({ method: 'PATCH', url: `/v1/posts/${draft.json().data.id}`, headers, payload: { slug: 'draft-renamed' } })
    t.equal(renamed.statusCode, 200)
    t.same(await redirect(), moved, 'the draft renamed again: the slug it left still leads to the post the public knew there')
    await app.inject({ method: 'PATCH', url: `/v1/posts/${draft.json().data.id}`, headers, payload: { slug: 'published-now' } })
    const scheduled = await app.inject({ method: 'PATCH', url: '/v1/posts/published-now', headers, payload: { status: 'published', publishedAt: '2099-01-01T00:00:00Z' } })
    t.equal(scheduled.statusCode, 200)
    t.same(await redirect(), moved, 'scheduled: still')
    await writeBehindApp(app, () => database.db.update(posts).set({ publishedAt: new Date(Date.now() - 1000) }).where(eq(posts.id, draft.json().data.id)))
    const live = await app.inject('/v1/posts/published-now')
    t.equal(live.statusCode, 200, 'once public, the post answers for its slug')
    t.equal(live.json().data.id, draft.json().data.id)
    await app.inject({ method: 'DELETE', url: `/v1/posts/${draft.json().data.id}`, headers })
    t.same(await redirect(), moved, 'deleted: the old slug leads to the renamed post again')
  })

  t.test('a long post in Japanese is written, its words counted as words (not one per sentence)', async (t) => {
    // 170,000 characters with no space in them: the word segmenter is given bounded pieces (see wordCountOf).
    const sentence = '私たちはルーティングキャッシュを新しい場所に移動しました'
    const res = await create({ title: '長い記事', markdown: sentence.repeat(6000), authors: ['lin-zhang'] })
    t.equal(res.statusCode, 201, res.body.slice(0, 200))
    const { wordCount, readingTimeMinutes } = res.json().data
    t.ok(wordCount >= 6000 * 8, `${wordCount} words`)
    t.ok(readingTimeMinutes >= 200, `${readingTimeMinutes} minutes`)
  })

  t.test('PATCH recomputes html, excerpt and reading time from a new body', async (t) => {
    const { data: before } = (await app.inject({ url: '/v1/posts/published-renamed', headers })).json()
    const body = `${'word '.repeat(700)}`
    const { data } = (await app.inject({ method: 'PATCH', url: `/v1/posts/${before.id}`, headers, payload: { markdown: body } })).json()
    t.equal(data.wordCount, 700)
    t.equal(data.readingTimeMinutes, 3)
    t.ok(data.excerpt.length <= 301)
    const custom = (await app.inject({ method: 'PATCH', url: `/v1/posts/${before.id}`, headers, payload: { excerpt: 'Hand-written.' } })).json().data
    t.equal(custom.excerpt, 'Hand-written.')
    const derived = (await app.inject({ method: 'PATCH', url: `/v1/posts/${before.id}`, headers, payload: { excerpt: null } })).json().data
    t.equal(derived.excerpt, data.excerpt, 'null goes back to the derived excerpt')
  })

  t.test('If-Match: a stale version answers 412 and changes nothing', async (t) => {
    const first = await app.inject({ url: '/v1/posts/published-renamed', headers })
    const { id } = first.json().data
    const etag = first.headers.etag as string
    const ok = await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers: { ...headers, 'if-match': etag }, payload: { featured: true } })
    t.equal(ok.statusCode, 200)
    const stale = await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers: { ...headers, 'if-match': etag }, payload: { title: 'Lost update' } })
    t.equal(stale.statusCode, 412)
    t.match(stale.json(), { type: '/problems/precondition-failed', status: 412 })
    t.equal((await app.inject({ url: '/v1/posts/published-renamed', headers })).json().data.title, 'Published, renamed')
    const staleDelete = await app.inject({ method: 'DELETE', url: `/v1/posts/${id}`, headers: { ...headers, 'if-match': etag } })
    t.equal(staleDelete.statusCode, 412)
  })

  t.test('a write answers with the ETag a GET of the post then sends, and If-Match takes it', async (t) => {
    const created = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Tagged once', markdown: 'Body **text**.', authors: ['mateo-ruiz'], tags: ['frontend'] } })
    t.equal(created.statusCode, 201)
    const { id } = created.json().data
    const read = await app.inject({ url: `/v1/posts/${id}`, headers })
    t.equal(read.headers.etag, created.headers.etag, 'POST')
    t.equal(read.body, JSON.stringify(created.json()), 'the same representation')
    const patched = await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers: { ...headers, 'if-match': read.headers.etag as string }, payload: { title: 'Tagged twice' } })
    t.equal(patched.statusCode, 200)
    t.not(patched.headers.etag, read.headers.etag, 'a new version, a new tag')
    t.equal((await app.inject({ url: `/v1/posts/${id}`, headers })).headers.etag, patched.headers.etag, 'PATCH')
    const head = await app.inject({ method: 'HEAD', url: `/v1/posts/${id}`, headers })
    t.equal(head.headers.etag, patched.headers.etag, 'HEAD')
    const gzipped = await app.inject({ url: `/v1/posts/${id}`, headers: { ...headers, 'accept-encoding': 'gzip' } })
    t.equal(gzipped.headers.etag, (patched.headers.etag as string).replace(/"$/, '.gzip"'), 'compressed: the same tag, with its coding')

    // If-Match (strong comparison): a list, the tag of a coding of the current content, and `*` all match;
    // a weak tag never does.
    const current = patched.headers.etag as string
    const weak = await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers: { ...headers, 'if-match': `W/${current}` }, payload: { featured: true } })
    t.equal(weak.statusCode, 412)
    t.match(weak.json().detail, /^If-Match takes strong tags, and a weak one/, 'saying why: a weak tag never matches, changed or not')
    const listed = await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers: { ...headers, 'if-match': `"stale", ${gzipped.headers.etag}` }, payload: { featured: true } })
    t.equal(listed.statusCode, 200)
    const star = await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers: { ...headers, 'if-match': '*' }, payload: { featured: false } })
    t.equal(star.statusCode, 200)
    t.equal((await app.inject({ url: `/v1/posts/${id}`, headers })).headers.etag, star.headers.etag)
    const deleted = await app.inject({ method: 'DELETE', url: `/v1/posts/${id}`, headers: { ...headers, 'if-match': star.headers.etag as string } })
    t.equal(deleted.statusCode, 204)
  })

  t.test('If-None-Match and If-Unmodified-Since are a write\'s preconditions too (RFC 9110 13.1.2, 13.1.4)', async (t) => {
    const created = await create({ title: 'Preconditioned', markdown: 'Body.', authors: ['mateo-ruiz'] })
    const { id } = created.json().data
    const url = `/v1/posts/${id}`
    const read = await app.inject({ url, headers })
    const etag = read.headers.etag as string
    // The post's date (its Last-Modified once that second is over).
    const lastModified = read.json().data.updatedAt as string
    const patch = (extra: Record<string, string>, payload: object = { featured: true }) => app.inject({ method: 'PATCH', url, headers: { ...headers, ...extra }, payload })
    const unchanged = async () => (await app.inject({ url, headers })).headers.etag

    for (const [name, value] of [['if-none-match', '*'], ['if-none-match', etag], ['if-none-match', `W/${etag}`], ['if-none-match', `"other", ${etag.replace(/"$/, '.br"')}`]]) {
      const res = await patch({ [name!]: value! })
      t.equal(res.statusCode, 412, `${name}: ${value}`)
      t.equal(res.json().type, '/problems/precondition-failed')
      t.equal(await unchanged(), etag, 'and nothing changed')
    }
    const before = new Date(Date.parse(lastModified) - 1000).toUTCString()
    const refused = await patch({ 'if-unmodified-since': before })
    t.equal(refused.statusCode, 412, 'If-Unmodified-Since before the last change')
    t.equal(await unchanged(), etag, 'and nothing changed')
    t.equal((await app.inject({ method: 'DELETE', url, headers: { ...headers, 'if-unmodified-since': before } })).statusCode, 412, 'DELETE too')
    t.equal((await patch({ 'if-unmodified-since': before, 'if-match': etag })).statusCode, 200, 'If-Match, when sent, is what counts')

    t.equal((await patch({ 'if-none-match': '"something-else"' }, { featured: false })).statusCode, 200, 'If-None-Match naming another version')
    t.equal((await patch({ 'if-unmodified-since': 'Thu, 01 Jan 2099 00:00:00 GMT' })).statusCode, 200, 'If-Unmodified-Since after the last change')
    t.equal((await patch({ 'if-unmodified-since': 'yesterday' }, { featured: false })).statusCode, 200, 'an If-Unmodified-Since that is no HTTP-date is ignored')
    await app.inject({ method: 'DELETE', url, headers })
  })

  t.test('two editors racing on the same version: one wins, the other gets 412', async (t) => {
    const current = await app.inject({ url: '/v1/posts/published-renamed', headers })
    const { id } = current.json().data
    const etag = current.headers.etag as string
    const [a, b] = await Promise.all(
      ['Editor A', 'Editor B'].map((title) =>
        app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers: { ...headers, 'if-match': etag }, payload: { title } })),
    )
    t.same([a!.statusCode, b!.statusCode].sort(), [200, 412])
    const winner = a!.statusCode === 200 ? 'Editor A' : 'Editor B'
    t.equal((await app.inject({ url: '/v1/posts/published-renamed', headers })).json().data.title, winner)
  })

  t.test('DELETE removes the post and its slug history', async (t) => {
    const { data } = (await app.inject({ url: '/v1/posts/published-renamed', headers })).json()
    const res = await app.inject({ method: 'DELETE', url: `/v1/posts/${data.id}`, headers })
    t.equal(res.statusCode, 204)
    t.equal(res.body, '')
    t.equal((await app.inject({ url: '/v1/posts/published-renamed', headers })).statusCode, 404)
    t.equal((await app.inject('/v1/posts/published-now')).statusCode, 404, 'the old slug no longer redirects')
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/posts/${data.id}`, headers })).statusCode, 404)
  })

  t.test('every rejected body answers 4xx problem+json naming the field and leaves the post count unchanged', async (t) => {
    const before = await postCount()
    const good = { title: 'Fine', markdown: 'Body', authors: ['ada-okafor'] }
    const cases: [string, unknown, number, string | null][] = [
      ['empty title', { ...good, title: '' }, 400, '/title'],
      ['blank title', { ...good, title: '   ' }, 400, '/title'],
      // Control characters in a one-line field would reach every page, feed and terminal that shows it.
      ['a bell in the title', { ...good, title: 'Bell\u0007 and ESC\u001b[31m red' }, 400, '/title'],
      ['a line break in the title', { ...good, title: 'Two\nlines' }, 400, '/title'],
      ['a tab in the feature image alt', { ...good, featureImage: { url: 'https://cdn.example/a.png', alt: 'a\tb' } }, 400, '/featureImage/alt'],
      ['missing title', { markdown: 'x', authors: ['ada-okafor'] }, 400, '/title'],
      ['title of the wrong type', { ...good, title: 42 }, 400, '/title'],
      ['unknown field', { ...good, colour: 'red' }, 400, '/colour'],
      ['bad slug', { ...good, slug: 'Bad Slug!' }, 400, '/slug'],
      ['slug too long', { ...good, slug: 'a'.repeat(121) }, 400, '/slug'],
      ['bad date', { ...good, publishedAt: 'next tuesday' }, 400, '/publishedAt'],
      ['bad status', { ...good, status: 'live' }, 400, '/status'],
      ['no authors', { ...good, authors: [] }, 400, '/authors'],
      ['unknown author', { ...good, authors: ['ada-okafor', 'nobody-here'] }, 400, '/authors/1'],
      ['duplicate authors', { ...good, authors: ['ada-okafor', 'ada-okafor'] }, 400, '/authors'],
      ['bad tag slug', { ...good, tags: ['Not OK'] }, 400, '/tags/0'],
      // /v1/posts/{ref} reads a UUID as an id: a post (or tag) with such a slug could never be reached by it.
      ['a slug shaped like an id', { ...good, slug: '11111111-2222-4333-8444-555555555555' }, 400, '/slug'],
      ['a tag slug shaped like an id', { ...good, tags: ['11111111-2222-4333-8444-555555555555'] }, 400, '/tags/0'],
      ['both markdown and html', { ...good, html: '<p>x</p>' }, 400, '/html'],
      ['no body', { title: 'x', authors: ['ada-okafor'] }, 400, '/markdown'],
      ['javascript: canonical URL', { ...good, canonicalUrl: 'javascript:alert(1)' }, 400, '/canonicalUrl'],
      ['data: feature image', { ...good, featureImage: { url: 'data:image/png;base64,AAAA' } }, 400, '/featureImage'],
      ['featured as a string', { ...good, featured: 'yes' }, 400, '/featured'],
    ]
    for (const [name, payload, status, field] of cases) {
      const res = await create(payload)
      t.equal(res.statusCode, status, name)
      t.match(res.headers['content-type'], /^application\/problem\+json/, name)
      if (field) t.ok(res.json().errors?.some((e: { name: string }) => e.name === field || e.name.startsWith(`${field}/`) || field.startsWith(e.name)), `${name}: names ${field} (${JSON.stringify(res.json().errors)})`)
    }
    // What each says, in words a client can show as they are ("{in} {name} {message}" in the detail).
    const said: [unknown, { name: string; message: string }][] = [
      [{ ...good, title: '' }, { name: '/title', message: 'must not be empty' }],
      [{ ...good, slug: 'a'.repeat(121) }, { name: '/slug', message: 'must have at most 120 characters' }],
      [{ ...good, authors: [] }, { name: '/authors', message: 'must have at least 1 item' }],
      [{ ...good, authors: ['ada-okafor', 'ada-okafor'] }, { name: '/authors', message: 'must not repeat a value (items 0 and 1 are the same)' }],
      [{ ...good, authors: ['ada-okafor', 'nobody-here'] }, { name: '/authors/1', message: 'is "nobody-here", which is no author\'s slug' }],
    ]
    for (const [payload, error] of said) {
      const body = (await create(payload)).json()
      t.same(body.errors, [{ in: 'body', ...error }], error.message)
      t.equal(body.detail, `body ${error.name.slice(1)} ${error.message}`)
    }
    const raw = async (payload: string, contentType: string) =>
      app.inject({ method: 'POST', url: '/v1/posts', headers: { ...headers, 'content-type': contentType }, payload })
    const malformed = await raw('{"title": "x",', 'application/json')
    t.equal(malformed.statusCode, 400, 'malformed JSON')
    t.equal(malformed.json().type, '/problems/malformed-body')
    t.match(malformed.json().detail, /^The body is not valid JSON: .*JSON/, 'says where the syntax broke')
    // Keys that would poison prototypes are refused by name, not reported as broken JSON.
    for (const payload of ['{"title": "x", "__proto__": {"featured": true}}', '{"title": "x", "constructor": {"prototype": {"featured": true}}}']) {
      const res = await raw(payload, 'application/json')
      t.equal(res.statusCode, 400, payload)
      t.match(res.json(), { type: '/problems/malformed-body', detail: /"__proto__" key, or a "constructor" key holding "prototype"/ }, payload)
    }
    // JSON is UTF-8 (RFC 8259 8.1): Latin-1 bytes are refused, not stored as U+FFFD.
    const latin1 = Buffer.from(JSON.stringify({ ...good, title: 'Caf\u00e9 latin' }), 'latin1')
    for (const contentType of ['application/json', 'application/json; charset=utf-8']) {
      const res = await app.inject({ method: 'POST', url: '/v1/posts', headers: { ...headers, 'content-type': contentType }, payload: latin1 })
      t.equal(res.statusCode, 400, `bytes that are not UTF-8, labelled ${contentType}`)
      t.match(res.json(), { type: '/problems/malformed-body', detail: /UTF-8/ })
    }
    const labelledLatin1 = await app.inject({ method: 'POST', url: '/v1/posts', headers: { ...headers, 'content-type': 'application/json; charset=iso-8859-1' }, payload: latin1 })
    t.equal(labelledLatin1.statusCode, 415, 'a charset other than UTF-8')
    t.match(labelledLatin1.json(), { type: '/problems/unsupported-media-type', detail: /charset=iso-8859-1/ })
    const utf8 = await app.inject({ method: 'POST', url: '/v1/posts', headers: { ...headers, 'content-type': 'application/json; charset="UTF-8"' }, payload: Buffer.from(JSON.stringify({ ...good, title: 'Caf\u00e9 utf-8' }), 'utf8') })
    t.equal(utf8.statusCode, 201, 'UTF-8, labelled so (quoted, in capitals)')
    t.equal(utf8.json().data.title, 'Caf\u00e9 utf-8', 'and stored as sent')
    await app.inject({ method: 'DELETE', url: `/v1/posts/${utf8.json().data.id}`, headers })
    const text = await raw('title=x', 'text/plain')
    t.equal(text.statusCode, 415, 'not JSON')
    t.equal(text.json().detail, 'A body must be application/json, not text/plain', 'says what would do')
    t.notOk(text.headers['accept-encoding'], 'a media type, not a coding: no Accept-Encoding')
    const patchText = await app.inject({ method: 'PATCH', url: '/v1/tags/culture', headers: { ...headers, 'content-type': 'application/merge-patch+json' }, payload: '{"name":"zz"}' })
    t.equal(patchText.statusCode, 415, 'a PATCH in another patch format')
    t.equal(patchText.headers['accept-patch'], 'application/json', 'says which it takes (RFC 5789 2.2)')
    const gzipped = await app.inject({ method: 'POST', url: '/v1/posts', headers: { ...headers, 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: gzipSync(JSON.stringify(good)) })
    t.equal(gzipped.statusCode, 415, 'a compressed body: not read as broken JSON (RFC 9110 15.5.16)')
    t.match(gzipped.json(), { type: '/problems/unsupported-media-type', detail: /without Content-Encoding/ })
    t.equal(gzipped.headers['accept-encoding'], 'identity', 'and which codings would do: none')
    const huge = await raw(JSON.stringify({ ...good, markdown: 'x'.repeat(1_100_000) }), 'application/json')
    t.equal(huge.statusCode, 413, 'oversize body')
    t.match(huge.headers['content-type'], /problem\+json/)
    const patchEmpty = await app.inject({ method: 'PATCH', url: '/v1/posts/00000000-0000-4000-8000-000000000000', headers, payload: {} })
    t.equal(patchEmpty.statusCode, 400, 'an empty PATCH')
    t.equal(patchEmpty.json().detail, 'body (root) must name at least one field to change')
    const patchMissing = await app.inject({ method: 'PATCH', url: '/v1/posts/00000000-0000-4000-8000-000000000000', headers, payload: { featured: true } })
    t.equal(patchMissing.statusCode, 404, 'PATCH of an unknown id')
    t.equal((await app.inject({ method: 'PATCH', url: '/v1/posts/Not_A_Ref', headers, payload: { featured: true } })).statusCode, 404, 'a malformed id or slug: nothing has it')
    t.equal(await postCount(), before, 'nothing was stored')
  })

  t.test('a failure halfway through a write leaves no trace', async (t) => {
    const before = await postCount()
    const tagsBefore = (await database.db.select({ n: count() }).from(tags))[0]!.n
    // Make the last step of the write (linking tags) fail inside the database.
    await database.db.execute(sql`create function fail_tag_link() returns trigger language plpgsql as $$ begin raise exception 'forced failure'; end $$`)
    await database.db.execute(sql`create trigger fail_tag_link before insert on post_tags for each statement execute function fail_tag_link()`)
    t.teardown(async () => {
      await database.db.execute(sql`drop trigger fail_tag_link on post_tags`)
      await database.db.execute(sql`drop function fail_tag_link()`)
    })
    const res = await create({ title: 'Half written', markdown: 'x', authors: ['ada-okafor'], tags: ['brand-new-tag'] })
    t.equal(res.statusCode, 500)
    t.match(res.json(), { status: 500, detail: 'An unexpected error occurred' })
    t.notMatch(res.body, /forced failure/, '5xx internals are not shown')
    t.equal(await postCount(), before, 'no post row')
    t.equal((await database.db.select({ n: count() }).from(tags))[0]!.n, tagsBefore, 'no new tag')
    t.equal((await app.inject({ url: '/v1/posts/half-written', headers })).statusCode, 404)
  })
})

t.test('a body the renderer cannot finish in time is a 400 naming it, and reads are answered meanwhile', async (t) => {
  const { app, database } = await build(t, { env: { RATE_LIMIT_WRITES_PER_MINUTE: '0', POST_RENDER_TIMEOUT_MS: '300' } })
  const headers = await authHeaders(database.db)
  const postCount = async () => (await database.db.select({ n: count() }).from(posts))[0]!.n
  const before = await postCount()
  // Lists nested 700 deep (half a megabyte, as long as markdown may be): the renderer would take seconds (its
  // time grows with the cube of the depth), in the worker thread the server prepares bodies in.
  const nestedLists = Array.from({ length: 700 }, (_, i) => `${' '.repeat(i * 2)}- level ${i}`).join('\n')
  // A read every 10 ms while the write is pending: on a blocked event loop, the timer could not fire, and the
  // reads it started could not be answered, until the body was done with.
  const reads: number[] = []
  const reading = setInterval(() => void app.inject('/v1/posts?limit=1').then((res) => reads.push(res.statusCode)), 10)
  const deep = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Deep lists', markdown: nestedLists, authors: ['ada-okafor'] } })
  clearInterval(reading)
  t.ok(reads.length >= 5, `reads are answered while the body is prepared (${reads.length} of them)`)
  t.ok(reads.every((status) => status === 200))
  t.equal(deep.statusCode, 400)
  t.match(deep.headers['content-type'], /^application\/problem\+json/)
  t.same(deep.json().errors, [{ in: 'body', name: '/markdown', message: 'could not be rendered (it took longer than 300 ms): lists or quotes nested hundreds deep are the usual cause' }])
  t.equal(await postCount(), before, 'nothing was stored')

  // The worker that was stopped is replaced: the next body is prepared as usual, and an edit is held to the same limit.
  const fine = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Shallow', markdown: '- one\n  - two\n\n> a quote', authors: ['ada-okafor'] } })
  t.equal(fine.statusCode, 201)
  t.match(fine.json().data.html, /<ul>\s*<li>one\s*<ul>\s*<li>two<\/li>/)
  const { id, html } = fine.json().data
  const edit = await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers, payload: { markdown: nestedLists } })
  t.equal(edit.statusCode, 400)
  t.same(edit.json().errors.map((e: { name: string }) => e.name), ['/markdown'])
  t.equal((await app.inject({ url: `/v1/posts/${id}`, headers })).json().data.html, html, 'the post is as it was')
})

t.test('an edit prepares its body before its transaction: the database answers other requests meanwhile', async (t) => {
  const { app, database } = await build(t, { env: { RATE_LIMIT_WRITES_PER_MINUTE: '0', RATE_LIMIT_READS_PER_MINUTE: '0', POST_RENDER_TIMEOUT_MS: '60000' } })
  const headers = await authHeaders(database.db)
  const created = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'To be deepened', markdown: 'Shallow.', excerpt: 'Kept.', authors: ['ada-okafor'] } })
  t.equal(created.statusCode, 201)
  const { id } = created.json().data
  // Lists nested 400 deep: about half a second to render, within the limit. The transaction holds the post's
  // lock and, on PGlite, the database's only connection: a body prepared inside it held up every request that
  // reads the database until it was done. Each read below asks for a URL not asked before (by the date it
  // lists posts before), so none is a cached response; one after the other, so that none is waiting when the
  // edit's transaction starts.
  const nestedLists = Array.from({ length: 400 }, (_, i) => `${' '.repeat(i * 2)}- level ${i}`).join('\n')
  let editing = true
  const edit = app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers, payload: { markdown: nestedLists } })
    .finally(() => (editing = false))
  const statuses: number[] = []
  while (editing) {
    // Requests from sockets would come in as I/O events; injected ones may be answered without leaving the
    // microtask queue (PGlite runs in this thread), and the worker's answer would never be heard.
    await setImmediate()
    const n = statuses.length
    const before = new Date(Date.UTC(2100, 0, 1) + n * 1000).toISOString()
    statuses.push((await app.inject(`/v1/posts?limit=5&publishedBefore=${before}`)).statusCode)
  }
  t.ok(statuses.length >= 20, `reads are answered while the body is prepared (${statuses.length} of them)`)
  t.ok(statuses.every((status) => status === 200))
  const res = await edit
  t.equal(res.statusCode, 200)
  t.match(res.json().data.html, /<li>level 399<\/li>/)
  t.equal(res.json().data.excerpt, 'Kept.', 'the custom excerpt stays')
})

t.test('a slug derived from a title is unique: for a title as long as a slug may be, and for writes made at once', async (t) => {
  const { app, database } = await build(t, { env: { RATE_LIMIT_WRITES_PER_MINUTE: '0' } })
  const headers = await authHeaders(database.db)
  const create = (title: string) => app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title, markdown: 'Body.', authors: ['ada-okafor'] } })
  // Its slug is cut at 119 characters, and each further one is cut shorter to make room for its number.
  const long = 'What two years of running PostgreSQL logical replication across three regions taught our platform team about DB failover'
  const slugs: string[] = []
  for (let i = 0; i < 12; i++) {
    const res = await create(long)
    t.equal(res.statusCode, 201, `post ${i + 1}: ${res.body.slice(0, 160)}`)
    slugs.push(res.json().data.slug)
  }
  t.equal(new Set(slugs).size, 12, 'twelve slugs')
  t.ok(slugs.every((slug) => slug.length <= 120 && /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)), 'each a slug of at most 120 characters')
  t.match(slugs.slice(1), slugs.slice(1).map((_, i) => new RegExp(`-${i + 2}$`)))

  // The pool's connections opened first, as a busy server has them (otherwise each write would wait for one,
  // the first long done); then the same title five times at once: five posts, five slugs.
  await Promise.all(Array.from({ length: 10 }, (_, i) => app.inject(`/v1/posts?limit=${i + 1}&tag=architecture`)))
  const racing = await Promise.all(Array.from({ length: 5 }, () => create('Same title, same moment')))
  t.same(racing.map((res) => res.statusCode), [201, 201, 201, 201, 201], racing.map((res) => res.body.slice(0, 120)).join('\n'))
  t.same(racing.map((res) => res.json().data?.slug).sort(), ['same-title-same-moment', 'same-title-same-moment-2', 'same-title-same-moment-3', 'same-title-same-moment-4', 'same-title-same-moment-5'])
})

t.test('text that shows nothing or holds control characters, and URLs no browser would open, are 400s naming the field', async (t) => {
  const { app, database } = await build(t, { env: { RATE_LIMIT_WRITES_PER_MINUTE: '0' } })
  const headers = await authHeaders(database.db)
  const post = (fields: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Checked fields', markdown: 'Body.', authors: ['ada-okafor'], ...fields } })
  const postCount = async () => (await database.db.select({ n: count() }).from(posts))[0]!.n
  const before = await postCount()
  for (const [field, value, message] of [
    ['title', '\u200b', /^must be one line of text: not blank/],
    ['title', ' \ufeff\u2060 ', /^must be one line of text: not blank/],
    ['title', 'Next\u0085line', /^must be one line of text/],
    ['title', 'Line\u2028separated', /^must be one line of text/],
    ['excerpt', 'Rings a bell\u0007', /^must be text: no control characters/],
    ['canonicalUrl', 'https://"><script>alert(1)</script>', /^must be an absolute http/],
    ['canonicalUrl', 'http://[', /^must be an absolute http/],
    ['canonicalUrl', 'https://?', /^must be an absolute http/],
    ['canonicalUrl', 'http://%zz', /^must be an absolute http/],
    ['canonicalUrl', 'https://example.com/{id}', /^must be an absolute http/],
  ] as const) {
    const res = await post({ [field]: value })
    // Escaped in the test's name: a U+2028 would end TAP's line.
    const shown = `${field} ${JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`
    t.equal(res.statusCode, 400, shown)
    t.match(res.json().errors, [{ in: 'body', name: `/${field}`, message }], shown)
  }
  // Half a surrogate pair, which only JSON's escapes can write: stored as UTF-8, it would become U+FFFD.
  for (const [body, field] of [
    ['{"title":"\\ud800lone","markdown":"x","authors":["ada-okafor"]}', '/title'],
    ['{"title":"Pair","markdown":"ok \\ud83d\\ude00 then \\udc00","authors":["ada-okafor"]}', '/markdown'],
    ['{"title":"Tags","markdown":"x","authors":["ada-okafor"],"tags":["a","\\uDBFF"]}', '/tags/1'],
  ] as const) {
    const res = await app.inject({ method: 'POST', url: '/v1/posts', headers: { ...headers, 'content-type': 'application/json' }, payload: body })
    t.equal(res.statusCode, 400, body)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json().errors, [{ in: 'body', name: field, message: /^must be Unicode text: it holds half of a surrogate pair/ }], body)
  }
  const paired = await app.inject({ method: 'POST', url: '/v1/posts', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"title":"Paired \\ud83d\\ude00","markdown":"x","authors":["ada-okafor"]}' })
  t.equal(paired.statusCode, 201, 'a whole pair is a character like any other')
  t.equal(paired.json().data.title, 'Paired \u{1F600}')
  await app.inject({ method: 'DELETE', url: `/v1/posts/${paired.json().data.id}`, headers })
  const author = await app.inject({ method: 'POST', url: '/v1/authors', headers, payload: { name: 'Checked', avatarUrl: 'javascript:alert(1)', bio: 'Beep\u0007' } })
  t.equal(author.statusCode, 400)
  t.same(author.json().errors.map((e: { name: string }) => e.name).sort(), ['/avatarUrl', '/bio'])
  t.equal(await postCount(), before, 'nothing was stored')

  // What is fine: a scheme in capitals, a path a browser takes with an accent, an excerpt of two paragraphs.
  const fine = await post({ canonicalUrl: 'HTTPS://EXAMPLE.COM/Käse', excerpt: 'One paragraph.\n\nAnother\tone.' })
  t.equal(fine.statusCode, 201, fine.body.slice(0, 200))
  t.match(fine.json().data, { canonicalUrl: 'HTTPS://EXAMPLE.COM/Käse', excerpt: 'One paragraph.\n\nAnother\tone.' })
})
