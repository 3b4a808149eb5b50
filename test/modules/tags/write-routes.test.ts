import t from 'tap'
import { count, eq } from 'drizzle-orm'
import { posts, postTags, tags } from '../../../src/db/schema.js'
import { build } from '../../helper.js'
import { authHeaders } from '../../support/auth.js'
import { readContentState } from '../../support/content-state.js'

t.test('the tag write API', async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)

  t.test('POST creates a tag with a derived, unique slug', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Site Reliability', description: 'SRE things' } })
    t.equal(res.statusCode, 201)
    t.equal(res.headers.location, '/v1/tags/site-reliability')
    t.match(res.json().data, { slug: 'site-reliability', name: 'Site Reliability', description: 'SRE things', postCount: 0 })
    const again = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Site reliability!' } })
    t.equal(again.json().data.slug, 'site-reliability-2')
    const taken = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'X', slug: 'architecture' } })
    t.equal(taken.statusCode, 409)
    t.match(taken.json(), { type: '/problems/conflict', errors: [{ in: 'body', name: '/slug', message: 'is taken by another resource' }] }, 'the field is named, as every bad field is')
    const idShaped = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Y', slug: '5a726f2b-2ae6-4895-a1cc-e6d8ecc45476' } })
    t.equal(idShaped.statusCode, 400, 'a slug shaped like an id, which /v1/tags/{ref} would read as one')
    t.match(idShaped.json(), { errors: [{ name: '/slug', message: /not shaped like an id/ }] })
    const controlled = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Tab\there' } })
    t.equal(controlled.statusCode, 400, 'a control character in the name')
    t.match(controlled.json(), { errors: [{ name: '/name', message: /one line of text/ }] })
  })

  t.test('a name is taken composed (NFC): an accent typed apart from its letter is the same name', async (t) => {
    const composedName = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Caf\u00e9' } })
    t.equal(composedName.statusCode, 201)
    const decomposed = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Cafe\u0301', description: 'Cafe\u0301 notes' } })
    t.equal(decomposed.statusCode, 409, 'the same name')
    const other = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Cre\u0300me', description: 'Cre\u0300me notes' } })
    t.equal(other.statusCode, 201)
    t.match(other.json().data, { name: 'Cr\u00e8me', description: 'Cr\u00e8me notes', slug: 'creme' })
    const [stored] = await database.db.select({ name: tags.name }).from(tags).where(eq(tags.slug, 'creme'))
    t.equal(stored?.name, 'Cr\u00e8me', 'stored composed')
    // Its length is counted composed: 100 characters, though sent as 200 code points.
    const long = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'e\u0301'.repeat(100) } })
    t.equal(long.statusCode, 201, 'a name of 100 characters, sent decomposed')
    // An address is not text: its bytes name what it names.
    const author = await app.inject({ method: 'POST', url: '/v1/authors', headers, payload: { name: 'Jose\u0301', avatarUrl: 'https://cdn.example/Jose\u0301.png' } })
    t.equal(author.statusCode, 201)
    t.match(author.json().data, { name: 'Jos\u00e9', avatarUrl: 'https://cdn.example/Jose\u0301.png' })
  })

  t.test('a name another tag has (whatever its case) is a 409 naming that tag, on a new tag or a rename; two authors may share one', async (t) => {
    const tagCount = async () => (await database.db.select({ n: count() }).from(tags))[0]!.n
    const before = await tagCount()
    const architecture = (await app.inject('/v1/tags/architecture')).json().data
    for (const name of [architecture.name, ` ${architecture.name.toUpperCase()} `]) {
      const res = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name, slug: 'another-architecture' } })
      t.equal(res.statusCode, 409, JSON.stringify(name))
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      t.match(res.json(), {
        type: '/problems/conflict', status: 409,
        detail: 'The tag architecture already has this name: use it, or give this one another name',
        errors: [{ in: 'body', name: '/name', message: 'is the name of the tag architecture' }],
      })
    }
    t.equal(await tagCount(), before, 'no tag was made')

    const other = (await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Architecture notes' } })).json().data
    const rename = await app.inject({ method: 'PATCH', url: `/v1/tags/${other.id}`, headers, payload: { name: 'architecture', description: 'Renamed?' } })
    t.equal(rename.statusCode, 409)
    t.match(rename.json().errors, [{ name: '/name', message: 'is the name of the tag architecture' }])
    t.match((await app.inject(`/v1/tags/${other.slug}`)).json().data, { name: 'Architecture notes', description: null }, 'the tag is as it was')
    const recase = await app.inject({ method: 'PATCH', url: '/v1/tags/architecture', headers, payload: { name: architecture.name.toLowerCase() } })
    t.equal(recase.statusCode, 200, 'a tag may take its own name in another case')
    t.equal(recase.json().data.name, architecture.name.toLowerCase())

    // Several at once (with slugs of their own): one is made, the others are told of it. The pool's connections
    // opened first, as a busy server has them: otherwise each write would wait for one, the first long done.
    await Promise.all(Array.from({ length: 10 }, (_, i) => app.inject(`/v1/posts?limit=${i + 1}&tag=architecture`)))
    const racing = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Queueing theory', slug: `queueing-${n}` } })))
    t.same(racing.map((res) => res.statusCode).sort(), [201, 409, 409, 409, 409])

    const author = (await app.inject('/v1/authors?limit=1')).json().data[0]
    const namesake = await app.inject({ method: 'POST', url: '/v1/authors', headers, payload: { name: author.name } })
    t.equal(namesake.statusCode, 201, 'an author may have the name of another')
  })

  t.test('If-None-Match and If-Unmodified-Since are preconditions of a tag\'s writes too', async (t) => {
    const patch = (extra: Record<string, string>) => app.inject({ method: 'PATCH', url: '/v1/tags/architecture', headers: { ...headers, ...extra }, payload: { description: 'Changed?' } })
    t.equal((await patch({ 'if-none-match': '*' })).statusCode, 412, 'If-None-Match: * on a tag that exists')
    t.equal((await patch({ 'if-unmodified-since': 'Sat, 01 Jan 2000 00:00:00 GMT' })).statusCode, 412, 'changed after 2000')
    t.not((await app.inject('/v1/tags/architecture')).json().data.description, 'Changed?', 'nothing changed')
    t.equal((await app.inject({ method: 'DELETE', url: '/v1/tags/architecture', headers: { ...headers, 'if-none-match': '*' } })).statusCode, 412, 'nor is it deleted')
  })

  t.test('a write answers with the ETag a GET of the tag then sends', async (t) => {
    const created = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Tagged' } })
    t.equal(created.statusCode, 201)
    t.equal((await app.inject('/v1/tags/tagged')).headers.etag, created.headers.etag, 'POST')
    const patched = await app.inject({ method: 'PATCH', url: '/v1/tags/tagged', headers: { ...headers, 'if-match': created.headers.etag as string }, payload: { description: 'Now described' } })
    t.equal(patched.statusCode, 200)
    t.not(patched.headers.etag, created.headers.etag)
    t.equal((await app.inject('/v1/tags/tagged')).headers.etag, patched.headers.etag, 'PATCH')
  })

  t.test('PATCH renames with a 301 from the old slug, honouring If-Match', async (t) => {
    const current = await app.inject('/v1/tags/data')
    const { id } = current.json().data
    const stale = await app.inject({ method: 'PATCH', url: `/v1/tags/${id}`, headers: { ...headers, 'if-match': '"old"' }, payload: { name: 'Nope' } })
    t.equal(stale.statusCode, 412)
    const res = await app.inject({ method: 'PATCH', url: `/v1/tags/${id}`, headers: { ...headers, 'if-match': current.headers.etag as string }, payload: { slug: 'data-engineering', name: 'Data engineering' } })
    t.equal(res.statusCode, 200)
    t.match(res.json().data, { slug: 'data-engineering', name: 'Data engineering', postCount: current.json().data.postCount })
    const moved = await app.inject('/v1/tags/data')
    t.equal(moved.statusCode, 301)
    t.equal(moved.headers.location, '/v1/tags/data-engineering')
    t.equal((await app.inject('/v1/posts?tag=data-engineering&limit=1')).json().meta.total, current.json().data.postCount)
    const written = await app.inject({ method: 'PATCH', url: '/v1/tags/data', headers, payload: { name: 'Data again' } })
    t.equal(written.statusCode, 404, 'a write is not redirected')
    t.equal(written.json().detail, 'No tag has the id or slug data: it was renamed, and its slug is now data-engineering')
  })

  t.test('a PATCH that changes nothing writes nothing: the tag keeps its update time, its posts theirs', async (t) => {
    const before = (await app.inject({ url: '/v1/tags/data-engineering', headers })).json().data
    const state = await readContentState(database.db)
    const [row] = await database.db.select({ updatedAt: tags.updatedAt }).from(tags).where(eq(tags.id, before.id))
    const postsOf = () => database.db.select({ id: posts.id, linksChangedAt: posts.linksChangedAt }).from(posts)
      .innerJoin(postTags, eq(postTags.postId, posts.id)).where(eq(postTags.tagId, before.id)).orderBy(posts.id)
    const postsBefore = await postsOf()
    t.ok(postsBefore.length > 0, 'posts have it')
    const res = await app.inject({ method: 'PATCH', url: '/v1/tags/data-engineering', headers, payload: { name: before.name, slug: before.slug, description: before.description } })
    t.equal(res.statusCode, 200)
    t.same(res.json().data, before)
    t.same(await readContentState(database.db), state, 'no content version advanced: no post shown with it changed')
    t.same((await database.db.select({ updatedAt: tags.updatedAt }).from(tags).where(eq(tags.id, before.id)))[0], row)
    t.same(await postsOf(), postsBefore, 'its posts\' Last-Modified stays')
  })

  t.test('PATCH and DELETE take the current slug as well as the id', async (t) => {
    const created = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'By slug' } })
    t.equal(created.statusCode, 201)
    const patched = await app.inject({ method: 'PATCH', url: '/v1/tags/by-slug', headers, payload: { description: 'Found by its slug' } })
    t.equal(patched.statusCode, 200)
    t.equal(patched.json().data.id, created.json().data.id)
    t.equal((await app.inject({ method: 'PATCH', url: '/v1/tags/no-such-tag', headers, payload: { name: 'x' } })).statusCode, 404)
    t.equal((await app.inject({ method: 'DELETE', url: '/v1/tags/by-slug', headers })).statusCode, 204)
    t.equal((await app.inject('/v1/tags/by-slug')).statusCode, 404)
  })

  t.test('DELETE removes the tag from its posts', async (t) => {
    const { data } = (await app.inject('/v1/tags/testing')).json()
    t.ok(data.postCount > 0)
    const res = await app.inject({ method: 'DELETE', url: `/v1/tags/${data.id}`, headers })
    t.equal(res.statusCode, 204)
    t.equal((await app.inject('/v1/tags/testing')).statusCode, 404)
    t.equal((await database.db.select({ n: count() }).from(postTags).where(eq(postTags.tagId, data.id)))[0]!.n, 0)
    const posts = (await app.inject('/v1/posts?limit=100')).json().data
    t.notOk(posts.some((p: { tags: { slug: string }[] }) => p.tags.some((x) => x.slug === 'testing')))
  })

  t.test('a DELETE whose client labels its empty body JSON (axios, generated clients) deletes all the same', async (t) => {
    const created = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Labelled' } })
    t.equal(created.statusCode, 201)
    const res = await app.inject({ method: 'DELETE', url: '/v1/tags/labelled', headers: { ...headers, 'content-type': 'application/json' } })
    t.equal(res.statusCode, 204)
    t.equal((await app.inject('/v1/tags/labelled')).statusCode, 404)
    const empty = await app.inject({ method: 'POST', url: '/v1/tags', headers: { ...headers, 'content-type': 'application/json' }, payload: '' })
    t.equal(empty.statusCode, 400, 'a POST with nothing is still refused')
    t.match(empty.json(), { type: '/problems/validation-failed', detail: 'body (root) is missing: send a JSON object' }, 'and told what is missing')
    const poisoned = await app.inject({ method: 'POST', url: '/v1/tags', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"name":"P","__proto__":{"x":1}}' })
    t.equal(poisoned.statusCode, 400, 'prototype poisoning is refused as before')
  })

  t.test('bad bodies are 400 and change nothing', async (t) => {
    const before = (await database.db.select({ n: count() }).from(tags))[0]!.n
    for (const payload of [{}, { name: '' }, { name: 5 }, { name: 'ok', slug: 'NO' }, { name: 'ok', extra: 1 }, { name: 'x'.repeat(101) }]) {
      const res = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload })
      t.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 40))
    }
    t.equal((await database.db.select({ n: count() }).from(tags))[0]!.n, before)
  })
})

t.test('an old slug keeps working where a slug is given: in list filters and in a post\'s tags and authors', async (t) => {
  const { app, database } = await build(t, { env: { RATE_LIMIT_WRITES_PER_MINUTE: '0' } })
  const headers = await authHeaders(database.db)
  const ids = async (url: string) => (await app.inject(url)).json().data.map((p: { id: string }) => p.id)
  const tagged = await ids('/v1/posts?tag=testing&limit=100')
  const byAuthor = await ids('/v1/posts?author=ada-okafor&limit=100')
  const untagged = await ids('/v1/posts?excludeTags=testing&limit=100')
  t.ok(tagged.length > 0 && byAuthor.length > 0 && untagged.length > 0)
  t.equal((await app.inject({ method: 'PATCH', url: '/v1/tags/testing', headers, payload: { slug: 'qa-testing' } })).statusCode, 200)
  t.equal((await app.inject({ method: 'PATCH', url: '/v1/authors/ada-okafor', headers, payload: { slug: 'ada' } })).statusCode, 200)

  t.same(await ids('/v1/posts?tag=testing&limit=100'), tagged, 'tag')
  t.same(await ids('/v1/posts?tagsAll=testing&limit=100'), tagged, 'tagsAll')
  t.same(await ids('/v1/posts?excludeTags=testing&limit=100'), untagged, 'excludeTags')
  t.same(await ids('/v1/posts?author=ada-okafor&limit=100'), byAuthor, 'author')
  t.same(await ids('/v1/posts?tag=qa-testing&author=ada&limit=100'), await ids('/v1/posts?tag=testing&author=ada-okafor&limit=100'), 'old and new alike')

  const tagCount = async () => (await database.db.select({ n: count() }).from(tags))[0]!.n
  const before = await tagCount()
  const post = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Old slugs', markdown: 'Body.', authors: ['ada-okafor'], tags: ['testing', 'brand-new'] } })
  t.equal(post.statusCode, 201, post.body.slice(0, 200))
  t.match(post.json().data, { authors: [{ slug: 'ada' }], tags: [{ slug: 'qa-testing' }, { slug: 'brand-new' }] }, 'the renamed tag and author, not new ones')
  t.equal(await tagCount(), before + 1, 'only the unknown tag was made')
  const redirect = await app.inject('/v1/tags/testing')
  t.equal(redirect.statusCode, 301, 'the old slug still redirects')
  t.equal(redirect.headers.location, '/v1/tags/qa-testing')
})
