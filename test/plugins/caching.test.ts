import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { eq } from 'drizzle-orm'
import { posts, tags } from '../../src/db/schema.js'
import { build, nextSecondAfter, writeBehindApp } from '../helper.js'
import { authHeaders } from '../support/auth.js'

t.test('conditional GETs', async (t) => {
  const { app, database } = await build(t, { env: { CACHE_MAX_AGE: '120', CORS_ORIGINS: 'https://reader.example' } })

  const JSON_READS = [
    '/v1/site', '/v1/posts', '/v1/posts?tag=data&limit=3', '/v1/posts/slos-for-internal-platforms', '/v1/posts/slos-for-internal-platforms/related',
    '/v1/tags', '/v1/tags/data', '/v1/authors', '/v1/authors/mateo-ruiz', '/v1/archive', '/v1/resolve?path=/posts/slos-for-internal-platforms',
  ]

  /** Waits until the second in which the app read the content version has passed: reads are dated from then on. */
  const versionDated = async () => {
    for (let i = 0; i < 400 && app.contentVersion.lastModified() === undefined; i++) await sleep(5)
    await nextSecondAfter(app.contentVersion.lastModified()!.toUTCString())
  }

  t.test('every JSON GET carries an ETag, Last-Modified and Cache-Control', async (t) => {
    await versionDated()
    for (const url of JSON_READS) {
      const res = await app.inject(url)
      t.equal(res.statusCode, 200, url)
      t.match(res.headers.etag, /^"[\w-]+"$/, `${url} ETag`)
      t.equal(res.headers['cache-control'], 'public, max-age=120', `${url} Cache-Control`)
      const lastModified = res.headers['last-modified'] as string
      t.match(lastModified, /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/, `${url} Last-Modified is an IMF-fixdate`)
      t.ok(Date.parse(lastModified) <= Date.now(), `${url} Last-Modified is not in the future`)
    }
  })

  t.test('If-Modified-Since answers 304 on every JSON GET until the public content changes, and a draft saved changes nothing', async (t) => {
    await versionDated()
    const before = new Map<string, string>()
    for (const url of JSON_READS) before.set(url, (await app.inject(url)).headers['last-modified'] as string)
    const conditional = (url: string, since: string) => app.inject({ url, headers: { 'if-modified-since': since } })
    for (const [url, since] of before) {
      const res = await conditional(url, since)
      t.equal(res.statusCode, 304, `${url}: unchanged since its Last-Modified`)
      t.equal(res.headers['last-modified'], since, `${url}: the 304 carries it too`)
      t.equal((await conditional(url, new Date(Date.parse(since) - 1000).toUTCString())).statusCode, 200, `${url}: changed since a second earlier`)
    }

    await nextSecondAfter([...before.values()].sort().at(-1)!)
    // No notification comes of it (test/db/content-version-triggers.test.ts): a moment for one to arrive.
    await database.db.update(posts).set({ title: 'Notes on multi-region writes, draft 2', updatedAt: new Date() }).where(eq(posts.slug, 'notes-on-multi-region-writes'))
    await sleep(200)
    for (const [url, since] of before) {
      t.equal((await conditional(url, since)).statusCode, 304, `${url}: a draft saved is no change the public sees`)
    }

    // Renaming a tag changes what lists, posts and tags show (and, as any public write, the date of all of them).
    // Made early in a second, so that the reads below fall in that second.
    while (Date.now() % 1000 > 150) await sleep(5)
    await writeBehindApp(app, () => database.db.update(tags).set({ name: 'Data and storage' }).where(eq(tags.slug, 'data')))
    // In the second the change was read, a read has its ETag only: a date could name a later change in that
    // second too (RFC 9110 8.8.2.2); kept in the response cache so, it is dated once the second has passed.
    const undated = await app.inject('/v1/tags')
    if (Math.floor(Date.now() / 1000) === Math.floor(app.contentVersion.lastModified()!.getTime() / 1000)) {
      t.notOk('last-modified' in undated.headers, 'no date while the second of the change runs')
      t.notOk('last-modified' in (await app.inject('/v1/tags')).headers, 'nor from the response cache')
    }
    await versionDated()
    t.equal((await app.inject('/v1/tags')).headers['last-modified'], app.contentVersion.lastModified()!.toUTCString(), 'then dated, from the cache too')
    for (const [url, since] of before) {
      if (url === '/v1/posts/slos-for-internal-platforms') continue // a post's own date: its edits and those of what it shows
      const res = await conditional(url, since)
      t.equal(res.statusCode, 200, `${url}: changed since`)
      t.ok(Date.parse(res.headers['last-modified'] as string) > Date.parse(since), `${url}: Last-Modified moved forward`)
    }
  })

  t.test('a read whose representation is not the one If-Match names, or changed after If-Unmodified-Since, is a 412 (RFC 9110 13.2.2)', async (t) => {
    // Until then, a read of the content at large has no Last-Modified, and If-Unmodified-Since is ignored (RFC 9110 13.1.4).
    await versionDated()
    for (const url of ['/v1/posts/slos-for-internal-platforms', '/v1/tags/data', '/v1/posts?limit=4', '/feed.atom']) {
      const first = await app.inject(url)
      const etag = first.headers.etag as string
      const compressed = (await app.inject({ url, headers: { 'accept-encoding': 'br' } })).headers.etag as string
      // Twice: made by the route, then answered from the response cache.
      for (const round of ['made', 'kept']) {
        const status = async (headers: Record<string, string>) => (await app.inject({ url, headers })).statusCode
        const weak = etag.startsWith('W/')
        t.equal(await status({ 'if-match': etag }), weak ? 412 : 200, `${url} (${round}): its own ETag${weak ? ', weak: no strong match' : ''}`)
        t.equal(await status({ 'if-match': compressed }), weak ? 412 : 200, `${url} (${round}): its compressed form's`)
        t.equal(await status({ 'if-match': '*' }), 200, `${url} (${round}): *`)
        t.equal(await status({ 'if-unmodified-since': 'Fri, 01 Jan 2100 00:00:00 GMT' }), 200, `${url} (${round}): unmodified since 2100`)
        const failed = await app.inject({ url, headers: { 'if-match': '"someone-elses"', 'if-none-match': etag } })
        t.equal(failed.statusCode, 412, `${url} (${round}): another ETag, even beside a matching If-None-Match`)
        t.match(failed.headers['content-type'], /^application\/problem\+json/)
        t.match(failed.json(), { type: '/problems/precondition-failed', status: 412 })
        t.notOk(failed.headers.etag, 'the problem carries no ETag of the representation')
        t.equal(await status({ 'if-unmodified-since': 'Sun, 06 Nov 1994 08:49:37 GMT' }), 412, `${url} (${round}): changed since 1994`)
      }
    }
  })

  t.test('an If-Modified-Since that is not an HTTP-date, or names a moment yet to come, is ignored', async (t) => {
    await versionDated()
    // A second ago, in RFC 850's form (a two-digit year), which a recipient must read too (RFC 9110 5.6.7).
    const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000)
    const weekday = past.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' })
    const [, day, month, year, time] = past.toUTCString().match(/^\w+, (\d\d) (\w+) \d\d(\d\d) (\S+) GMT$/)!
    const rfc850 = `${weekday}, ${day}-${month}-${year} ${time} GMT`
    for (const url of ['/v1/posts/slos-for-internal-platforms', '/v1/tags', '/feed.xml']) {
      const status = async (since: string) => (await app.inject({ url, headers: { 'if-modified-since': since } })).statusCode
      // Not an HTTP-date (RFC 9110 13.1.3).
      for (const since of ['2030', '2030-01-01', 'Thu, 01 Jan 2099 00:00:00 UTC']) t.equal(await status(since), 200, `${url}, ${since}`)
      t.equal(await status(past.toUTCString()), 304, `${url}: an HTTP-date`)
      t.equal(await status(rfc850), 304, `${url}: RFC 850's form, ${rfc850}`)
      // Later than now (RFC 2616 14.25 called it invalid): a clock running ahead would get 304s for every change until then.
      for (const since of ['Thu, 01 Jan 2099 00:00:00 GMT', new Date(Date.now() + 60_000).toUTCString()]) {
        t.equal(await status(since), 200, `${url}: ${since} is yet to come`)
      }
    }
  })

  t.test('documents made from the code alone, and reads with a key, carry no Last-Modified from the content', async (t) => {
    for (const url of ['/openapi.json', '/problems/not-found']) {
      const res = await app.inject(url)
      t.equal(res.statusCode, 200, url)
      t.notOk('last-modified' in res.headers, `${url}: a deploy changes it, no content write does`)
    }
    const keyed = await app.inject({ url: '/v1/posts', headers: await authHeaders(database.db) })
    t.equal(keyed.statusCode, 200)
    t.notOk('last-modified' in keyed.headers, 'a read with a key sees drafts, whose saves move no public date')
  })

  t.test('a matching If-None-Match answers 304 with no body', async (t) => {
    const first = await app.inject('/v1/posts?tag=data')
    const etag = first.headers.etag as string
    const again = await app.inject({ url: '/v1/posts?tag=data', headers: { 'if-none-match': etag } })
    t.equal(again.statusCode, 304)
    t.equal(again.body, '')
    t.equal(again.headers.etag, etag)
    const listed = await app.inject({ url: '/v1/posts?tag=data', headers: { 'if-none-match': `"nope", W/${etag}` } })
    t.equal(listed.statusCode, 304, 'weak comparison inside a list of tags')
    const other = await app.inject({ url: '/v1/posts?tag=data', headers: { 'if-none-match': '"something-else"' } })
    t.equal(other.statusCode, 200)
  })

  t.test('a 304 carries what guides caches and nothing the client already holds (RFC 9110 15.4.5, 8.6)', async (t) => {
    // Twice: once rendered by the route (the first request for its URL: the tag comes from the same query
    // written in another order), once answered from the validators kept from the 200 sent.
    for (const round of ['rendered', 'known']) {
      const url = round === 'rendered' ? '/v1/posts?limit=7&tag=data' : '/v1/posts?tag=data&limit=8'
      const first = await app.inject({ url: round === 'rendered' ? '/v1/posts?tag=data&limit=7' : url, headers: { origin: 'https://reader.example' } })
      t.ok(first.headers['content-security-policy'], 'the 200 has the security headers')
      t.ok(first.headers.link, 'and its Link')
      const res = await app.inject({ url, headers: { 'if-none-match': first.headers.etag as string, origin: 'https://reader.example' } })
      t.equal(res.statusCode, 304, round)
      t.same(
        Object.keys(res.headers).filter((h) => !['date', 'connection', 'keep-alive'].includes(h)).sort(),
        ['access-control-allow-origin', 'access-control-expose-headers', 'cache-control', 'etag', 'last-modified', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'vary', 'x-request-id'],
        `${round}: ETag, Last-Modified, Cache-Control, Vary, the request id, CORS and rate limits only`,
      )
      t.notOk('content-length' in res.headers, 'no Content-Length: the 200 had a body, the 304 has none')
      const head = await app.inject({ method: 'HEAD', url, headers: { 'if-none-match': first.headers.etag as string } })
      t.equal(head.statusCode, 304, `${round} HEAD`)
      t.notOk('content-length' in head.headers, 'nor for a HEAD')
      t.notOk('content-security-policy' in head.headers)
    }
  })

  t.test('If-Modified-Since answers 304 for an unchanged post, 200 once it changes', async (t) => {
    const url = '/v1/posts/slos-for-internal-platforms'
    const first = await app.inject(url)
    const lastModified = first.headers['last-modified'] as string
    t.equal((await app.inject({ url, headers: { 'if-modified-since': lastModified } })).statusCode, 304)
    await writeBehindApp(app, () => database.db.update(posts).set({ title: 'SLOs for internal platforms, revised', updatedAt: new Date() }).where(eq(posts.slug, 'slos-for-internal-platforms')))
    const changed = await app.inject({ url, headers: { 'if-modified-since': lastModified, 'if-none-match': first.headers.etag as string } })
    t.equal(changed.statusCode, 200)
    t.not(changed.headers.etag, first.headers.etag, 'the ETag changes with the content')
  })

  t.test('errors are not cached', async (t) => {
    const res = await app.inject('/v1/posts/nothing-here')
    t.equal(res.statusCode, 404)
    t.equal(res.headers['cache-control'], 'no-store')
    t.notOk(res.headers.etag)
  })
})
