import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { changedTopics } from '../../src/feeds/websub.js'
import { build } from '../helper.js'
import { authHeaders } from '../support/auth.js'

// A draft (or a scheduled post) written with a new tag or author: what it is about stays unsaid until it
// is out. Tag names are often the most telling part of an embargoed post (a product, an acquisition).
t.test('a tag or author that only unpublished posts have is hidden from the public until one of them is out', async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)
  const since = new Date(Date.now() - 1000)
  await app.inject({ method: 'POST', url: '/v1/authors', headers, payload: { name: 'Nadia Embargo' } })
  const draft = await app.inject({
    method: 'POST', url: '/v1/posts', headers,
    payload: { title: 'We are buying Bluebird', markdown: 'Secret.', authors: ['nadia-embargo'], tags: ['project-bluebird'] },
  })
  t.equal(draft.statusCode, 201)
  const inFuture = new Date(Date.now() + 3_600_000).toISOString()
  await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Launch day', markdown: 'Soon.', authors: ['ada-okafor'], tags: ['launch-q3'], status: 'published', publishedAt: inFuture } })
  // A tag no post has, written on its own, is shown as before.
  await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Empty but public' } })

  const publicly = async (url: string) => (await app.inject(url)).statusCode
  const listed = async (url: string, auth = {}) => ((await app.inject({ url, headers: auth })).json().data as { slug: string }[]).map((x) => x.slug)
  for (const [slug, plural] of [['project-bluebird', 'tags'], ['launch-q3', 'tags'], ['nadia-embargo', 'authors']] as const) {
    t.notOk((await listed(`/v1/${plural}?limit=100`)).includes(slug), `${slug}: not listed`)
    t.notOk((await listed(`/v1/${plural}?limit=100&sort=-postCount`)).includes(slug), `${slug}: not listed by count`)
    t.equal(await publicly(`/v1/${plural}/${slug}`), 404, `${slug}: 404 by slug`)
    t.equal(await publicly(`/${plural}/${slug}/feed.xml`), 404, `${slug}: no feed`)
    t.equal(await publicly(`/v1/resolve?path=/${plural}/${slug}`), 404, `${slug}: not resolved`)
    t.ok((await listed(`/v1/${plural}?limit=100`, headers)).includes(slug), `${slug}: listed to a key holder`)
    t.equal((await app.inject({ url: `/v1/${plural}/${slug}`, headers })).statusCode, 200, `${slug}: read by a key holder`)
  }
  t.ok((await listed('/v1/tags?limit=100')).includes('empty-but-public'), 'a tag no post has is listed')
  const tags = (await app.inject('/v1/tags?limit=100')).json()
  t.equal((await app.inject('/v1/site')).json().data.counts.tags, tags.meta.total, "the site's count is the listed tags'")
  t.equal(tags.meta.total, tags.data.length)
  const topics = await changedTopics(database.db, 'https://api.example.com', since, new Date())
  t.notOk(topics.some((topic) => /project-bluebird|launch-q3|nadia-embargo/.test(topic)), 'the WebSub hub is not told of them')
  t.ok(topics.includes('https://api.example.com/tags/empty-but-public/feed.xml'), 'but of a public tag edited since')

  // Published: out in the open, everywhere.
  const published = await app.inject({ method: 'PATCH', url: `/v1/posts/${draft.json().data.id}`, headers, payload: { status: 'published' } })
  t.equal(published.statusCode, 200)
  t.equal(await publicly('/v1/tags/project-bluebird'), 200, 'the tag, once its post is out')
  t.equal(await publicly('/v1/authors/nadia-embargo'), 200, 'the author too')
  t.equal(await publicly('/tags/project-bluebird/feed.xml'), 200, 'with its feed')
  t.ok((await listed('/v1/tags?limit=100')).includes('project-bluebird'))
})

t.test('an old slug of a hidden tag, author or draft redirects key holders only: the public gets a 404, not the new name', async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)
  const write = (method: string, url: string, payload: object) => app.inject({ method: method as 'POST', url, headers, payload })
  t.equal((await write('POST', '/v1/authors', { name: 'Hidden Writer' })).statusCode, 201)
  const draft = await write('POST', '/v1/posts', { title: 'Codename', markdown: 'Soon.', authors: ['hidden-writer'], tags: ['codename-kestrel'] })
  t.equal(draft.statusCode, 201)
  t.equal((await write('PATCH', '/v1/tags/codename-kestrel', { slug: 'globex-merger', name: 'Globex merger' })).statusCode, 200)
  t.equal((await write('PATCH', '/v1/authors/hidden-writer', { slug: 'globex-ceo' })).statusCode, 200)
  t.equal((await write('PATCH', `/v1/posts/${draft.json().data.id}`, { slug: 'globex-announcement' })).statusCode, 200)

  for (const url of ['/v1/tags/codename-kestrel', '/tags/codename-kestrel/feed.xml', '/v1/authors/hidden-writer', '/authors/hidden-writer/feed.atom', '/v1/posts/codename']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 404, `${url}: 404 to the public`)
    t.notMatch(JSON.stringify(res.headers) + res.body, /globex/, `${url}: the new slug is not told`)
  }
  for (const [url, location] of [['/v1/tags/codename-kestrel', '/v1/tags/globex-merger'], ['/v1/authors/hidden-writer', '/v1/authors/globex-ceo'], ['/v1/posts/codename', '/v1/posts/globex-announcement']]) {
    const res = await app.inject({ url: url!, headers })
    t.equal(res.statusCode, 301, `${url}: moved, to a key holder`)
    t.equal(res.headers.location, location)
  }
  // Once the post is out, its tag and author are public, and so are their redirects.
  t.equal((await write('PATCH', '/v1/posts/globex-announcement', { status: 'published' })).statusCode, 200)
  t.equal((await app.inject('/tags/codename-kestrel/feed.xml?archive=1')).headers.location, '/tags/globex-merger/feed.xml?archive=1', 'a feed redirect keeps its query')
  t.equal((await app.inject('/v1/authors/hidden-writer')).headers.location, '/v1/authors/globex-ceo')
  t.equal((await app.inject('/v1/posts/codename/related?limit=2')).headers.location, '/v1/posts/globex-announcement/related?limit=2')
})

/** What the public gets of a tag or author: its read, its feed, and whether the list has it. */
const seenBy = (app: FastifyInstance, plural: 'tags' | 'authors') => async (slug: string) => ({
  read: (await app.inject(`/v1/${plural}/${slug}`)).statusCode,
  feed: (await app.inject(`/${plural}/${slug}/feed.xml`)).statusCode,
  listed: ((await app.inject(`/v1/${plural}?limit=100`)).json().data as { slug: string }[]).some((row) => row.slug === slug),
})

// A trial's finding: whether the public saw a tag followed a draft's links, both ways.
t.test('a draft\'s links show or hide nothing: a tag it brought in stays hidden when it goes, and a public tag stays public when a draft uses it', async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)
  const write = (method: string, url: string, payload?: object) => app.inject({ method: method as 'POST', url, headers, ...(payload ? { payload } : {}) })
  const seen = seenBy(app, 'tags')
  const tagCount = async () => (await app.inject('/v1/site')).json().data.counts.tags as number
  const before = await tagCount()

  const secret = await write('POST', '/v1/posts', { title: 'Secret draft', markdown: 'x', authors: ['ada-okafor'], tags: ['secret-acquisition'] })
  const retagged = await write('POST', '/v1/posts', { title: 'Another secret', markdown: 'x', authors: ['ada-okafor'], tags: ['secret-two'] })
  t.equal(secret.statusCode, 201)
  t.same(await seen('secret-acquisition'), { read: 404, feed: 404, listed: false }, 'hidden while its draft has it')
  t.equal((await write('DELETE', `/v1/posts/${secret.json().data.id}`)).statusCode, 204)
  t.same(await seen('secret-acquisition'), { read: 404, feed: 404, listed: false }, 'still hidden once the draft is deleted')
  t.equal((await write('PATCH', `/v1/posts/${retagged.json().data.id}`, { tags: ['architecture'] })).statusCode, 200)
  t.same(await seen('secret-two'), { read: 404, feed: 404, listed: false }, 'and once the draft is retagged')
  t.equal(await tagCount(), before, "the site's count of tags is as it was")
  t.equal((await app.inject({ url: '/v1/tags/secret-acquisition', headers })).statusCode, 200, 'a key holder still reads it')

  t.equal((await write('POST', '/v1/tags', { name: 'Flip Tag' })).statusCode, 201)
  t.same(await seen('flip-tag'), { read: 200, feed: 200, listed: true }, 'a tag written on its own is public')
  const flip = await write('POST', '/v1/posts', { title: 'Flip draft', markdown: 'x', authors: ['ada-okafor'], tags: ['flip-tag'] })
  t.equal(flip.statusCode, 201)
  t.same(await seen('flip-tag'), { read: 200, feed: 200, listed: true }, 'and stays so while a draft uses it')
  t.equal(await tagCount(), before + 1)

  // Published, then unpublished: shown while the post is out, hidden again after.
  t.equal((await write('PATCH', `/v1/posts/${retagged.json().data.id}`, { tags: ['secret-two'], status: 'published' })).statusCode, 200)
  t.same(await seen('secret-two'), { read: 200, feed: 200, listed: true }, 'a hidden tag is shown once a post of it is out')
  t.equal((await write('PATCH', `/v1/posts/${retagged.json().data.id}`, { status: 'draft' })).statusCode, 200)
  t.same(await seen('secret-two'), { read: 404, feed: 404, listed: false }, 'and hidden again when it is not')
})

t.test('an author is public once a post of theirs is out, whatever drafts they have', async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)
  const write = (method: string, url: string, payload?: object) => app.inject({ method: method as 'POST', url, headers, ...(payload ? { payload } : {}) })
  const seen = seenBy(app, 'authors')
  t.equal((await write('POST', '/v1/authors', { name: 'New Hire' })).statusCode, 201)
  t.same(await seen('new-hire'), { read: 404, feed: 404, listed: false }, 'no post yet: not shown')
  const post = await write('POST', '/v1/posts', { title: 'First post', markdown: 'x', authors: ['new-hire'] })
  t.same(await seen('new-hire'), { read: 404, feed: 404, listed: false }, 'a draft only: not shown')
  t.equal((await write('PATCH', `/v1/posts/${post.json().data.id}`, { status: 'published' })).statusCode, 200)
  t.same(await seen('new-hire'), { read: 200, feed: 200, listed: true }, 'shown once the post is out')
  t.equal((await write('POST', '/v1/posts', { title: 'Second, a draft', markdown: 'x', authors: ['new-hire'] })).statusCode, 201)
  t.same(await seen('new-hire'), { read: 200, feed: 200, listed: true }, 'and a draft of theirs changes nothing')
  const authors = (await app.inject('/v1/authors?limit=100')).json()
  t.equal((await app.inject('/v1/site')).json().data.counts.authors, authors.meta.total, "the site's count is the listed authors'")
})
