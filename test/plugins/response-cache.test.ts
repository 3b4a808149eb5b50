import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createDb } from '../../src/db/client.js'
import { CONFIRM_CHANNEL, CONTENT_CHANNEL, LISTENER_NAME } from '../../src/db/content-version.js'
import { build, testDatabase } from '../helper.js'
import { authHeaders } from '../support/auth.js'

const onPostgres = { skip: process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL (PostgreSQL)' }

/** An API replica of its own (app and pool) on the PostgreSQL database at `url`, closed when `t` ends. */
async function replicaOn(t: Test, url: string) {
  const database = await createDb({ databaseUrl: url, dataDir: '' })
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: url }), { database })
  t.teardown(async () => {
    await app.close()
    await database.close()
  })
  await app.ready()
  return { app, database }
}

t.test('the response cache', async (t) => {
  const queries: string[] = []
  const { app, database } = await build(t, { onQuery: (q) => queries.push(q) })
  const headers = await authHeaders(database.db)

  t.test('a public GET read again is kept: from then on it, and its conditional GET, cost no query', async (t) => {
    const first = await app.inject('/v1/posts?tag=frontend')
    queries.length = 0
    t.equal((await app.inject('/v1/posts?tag=frontend')).body, first.body)
    t.ok(queries.length > 0, 'a URL read once is not kept (a long tail of URLs read once would push out the rest)')
    queries.length = 0
    const again = await app.inject('/v1/posts?tag=frontend')
    t.equal(again.statusCode, 200)
    t.equal(again.body, first.body)
    t.equal(again.headers.etag, first.headers.etag)
    t.equal(again.headers.link, first.headers.link)
    t.equal(again.headers['content-type'], first.headers['content-type'])
    const notModified = await app.inject({ url: '/v1/posts?tag=frontend', headers: { 'if-none-match': first.headers.etag as string } })
    t.equal(notModified.statusCode, 304)
    t.equal(queries.length, 0, 'no query for either')
  })

  t.test('a conditional GET of a response read once costs no query: its validators are known', async (t) => {
    const first = await app.inject('/v1/authors?limit=3')
    queries.length = 0
    const notModified = await app.inject({ url: '/v1/authors?limit=3', headers: { 'if-none-match': first.headers.etag as string } })
    t.equal(notModified.statusCode, 304)
    t.equal(notModified.headers.etag, first.headers.etag)
    t.equal(queries.length, 0)
    const unmatched = await app.inject({ url: '/v1/authors?limit=3', headers: { 'if-none-match': '"not-this-one"' } })
    t.equal(unmatched.statusCode, 200)
    t.equal(unmatched.body, first.body)
    const keyed = await app.inject({ url: '/v1/authors?limit=3', headers: { ...headers, 'if-none-match': first.headers.etag as string } })
    t.equal(keyed.statusCode, 304, 'with a key, the route answers')
    t.match(keyed.headers['cache-control'], /^private/)
  })

  t.test('a write is visible on the very next read', async (t) => {
    const before = (await app.inject('/v1/posts/slos-for-internal-platforms')).json().data
    const patched = await app.inject({ method: 'PATCH', url: `/v1/posts/${before.id}`, headers, payload: { title: 'SLOs, revisited' } })
    t.equal(patched.statusCode, 200)
    t.equal((await app.inject('/v1/posts/slos-for-internal-platforms')).json().data.title, 'SLOs, revisited')
    t.equal((await app.inject('/v1/posts?limit=100')).json().data.find((p: { id: string }) => p.id === before.id).title, 'SLOs, revisited')
    t.match((await app.inject('/feed.xml')).body, /SLOs, revisited/)
  })

  t.test('what a key may see is never cached for the public', async (t) => {
    const keyed = await app.inject({ url: '/v1/posts/notes-on-multi-region-writes', headers })
    t.equal(keyed.statusCode, 200)
    t.match(keyed.headers['cache-control'], /^private/)
    t.equal((await app.inject('/v1/posts/notes-on-multi-region-writes')).statusCode, 404)
  })

  t.test('a draft\'s writes leave what the public sees kept: the next public read still costs no query', async (t) => {
    const kept = async (url: string) => {
      await app.inject(url)
      return (await app.inject(url)).body
    }
    const stillKept = async (url: string, body: string, after: string) => {
      queries.length = 0
      t.equal((await app.inject(url)).body, body, `${url} after ${after}: unchanged`)
      t.equal(queries.length, 0, `${url} after ${after}: answered from memory`)
    }
    const urls = ['/v1/posts?limit=4', '/v1/tags?limit=50', '/feed.atom']
    let bodies = await Promise.all(urls.map(kept))
    const stillAllKept = async (after: string) => {
      for (const [i, url] of urls.entries()) await stillKept(url, bodies[i]!, after)
    }

    const created = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Half written', markdown: 'So far.', authors: ['mateo-ruiz'], tags: ['frontend'] } })
    t.equal(created.statusCode, 201)
    const id = created.json().data.id as string
    await stillAllKept('a draft created with an existing tag')
    const saved = await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers, payload: { title: 'Half written, retitled', slug: 'half-written-retitled', markdown: 'So far, and more.', tags: ['data', 'frontend'] } })
    t.equal(saved.statusCode, 200)
    await stillAllKept('a draft saved, renamed and retagged')

    // Publishing it, and unpublishing it again, are changes the public sees.
    t.equal((await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers, payload: { status: 'published' } })).statusCode, 200)
    t.equal((await app.inject('/v1/posts?limit=4')).json().data[0].id, id, 'published: first in the list at once')
    t.match((await app.inject('/feed.atom')).body, /Half written, retitled/)
    t.equal((await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers, payload: { status: 'draft' } })).statusCode, 200)
    t.not((await app.inject('/v1/posts?limit=4')).json().data[0].id, id, 'unpublished: gone from the list at once')
    t.notMatch((await app.inject('/feed.atom')).body, /Half written/)

    bodies = await Promise.all(urls.map(kept))
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/posts/${id}`, headers })).statusCode, 204)
    await stillAllKept('a draft deleted')

    // A draft's new tag is the public's once the draft is out (see test/modules/unpublished-links.test.ts):
    // until then a public tag list kept before it does not show it, and a key holder's does at once.
    const tagged = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'With a new tag', markdown: 'Tagged.', authors: ['mateo-ruiz'], tags: ['brand-new-topic'] } })
    t.equal(tagged.statusCode, 201)
    t.teardown(async () => {
      await app.inject({ method: 'DELETE', url: `/v1/posts/${tagged.json().data.id}`, headers })
      await app.inject({ method: 'DELETE', url: '/v1/tags/brand-new-topic', headers })
    })
    const listsNewTag = async (auth = {}) => (await app.inject({ url: '/v1/tags?limit=50', headers: auth })).json().data.some((tag: { slug: string }) => tag.slug === 'brand-new-topic')
    t.notOk(await listsNewTag(), 'not to the public')
    t.ok(await listsNewTag(headers), 'to a key holder at once')
    t.equal((await app.inject({ method: 'PATCH', url: `/v1/posts/${tagged.json().data.id}`, headers, payload: { status: 'published' } })).statusCode, 200)
    t.ok(await listsNewTag(), 'and to the public at once when the post is out')
  })

  t.test('a draft\'s tags and authors change nothing the public sees: what is kept stays served, and a post out shows them at once', async (t) => {
    const listed = async (plural: string, slug: string) => {
      await app.inject(`/v1/${plural}?limit=100`)
      return (await app.inject(`/v1/${plural}?limit=100`)).json().data.some((x: { slug: string }) => x.slug === slug)
    }
    const counts = async () => {
      await app.inject('/v1/site')
      return (await app.inject('/v1/site')).json().data.counts as { tags: number; authors: number }
    }
    t.equal((await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Unused yet' } })).statusCode, 201)
    t.equal((await app.inject({ method: 'POST', url: '/v1/authors', headers, payload: { name: 'Writer Yet' } })).statusCode, 201)
    t.ok(await listed('tags', 'unused-yet'), 'a tag no post has is listed (and kept)')
    t.notOk(await listed('authors', 'writer-yet'), 'an author with no post out is not')
    const before = await counts()
    const kept = { tags: (await app.inject('/v1/tags?limit=100')).body, authors: (await app.inject('/v1/authors?limit=100')).body }
    const servedAsKept = async (what: string) => {
      queries.length = 0
      t.equal((await app.inject('/v1/tags?limit=100')).body, kept.tags, `${what}: the tags as they were`)
      t.equal((await app.inject('/v1/authors?limit=100')).body, kept.authors, `${what}: the authors as they were`)
      t.equal(queries.length, 0, `${what}: from what was kept`)
    }

    const draft = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Embargoed', markdown: 'x', authors: ['writer-yet'], tags: ['unused-yet', 'brand-new-draft-topic'] } })
    t.equal(draft.statusCode, 201)
    const id = draft.json().data.id as string
    await servedAsKept('a draft written with a public tag, a new one and an author with no post out')
    t.equal((await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers, payload: { tags: ['architecture'] } })).statusCode, 200)
    await servedAsKept('the draft retagged')
    t.equal((await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers, payload: { tags: ['brand-new-draft-topic'] } })).statusCode, 200)
    t.same(await counts(), before, 'the site counts what it counted')

    t.equal((await app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers, payload: { status: 'published' } })).statusCode, 200)
    t.ok(await listed('tags', 'brand-new-draft-topic'), 'the post out: its tag is listed at once')
    t.ok(await listed('authors', 'writer-yet'), 'and its author')
    t.match(await counts(), { tags: before.tags + 1, authors: before.authors + 1 })
    t.teardown(async () => {
      await app.inject({ method: 'DELETE', url: `/v1/posts/${id}`, headers })
      for (const url of ['/v1/tags/unused-yet', '/v1/tags/brand-new-draft-topic', '/v1/authors/writer-yet']) await app.inject({ method: 'DELETE', url, headers })
    })
  })

  t.test('a scheduled post appears when its time comes, though nothing was written', async (t) => {
    const publishedAt = new Date(Date.now() + 1500).toISOString()
    const created = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Right on time', markdown: 'Tick.', authors: ['mateo-ruiz'], status: 'published', publishedAt } })
    t.equal(created.statusCode, 201)
    t.not((await app.inject('/v1/posts?limit=1')).json().data[0].slug, 'right-on-time', 'not yet')
    t.not((await app.inject('/v1/posts?limit=1')).json().data[0].slug, 'right-on-time', 'not yet, from the cache')
    await new Promise((resolve) => setTimeout(resolve, Date.parse(publishedAt) - Date.now() + 50))
    t.equal((await app.inject('/v1/posts?limit=1')).json().data[0].slug, 'right-on-time', 'live now')
  })

  t.test('readers asking at once for a response not made yet wait for one making of it', async (t) => {
    // The scheduled post of the test before has just gone live: until the app has read the new version, it
    // trusts nothing cached (and caches nothing), as it should. Wait for it, not for a fixed time.
    for (let i = 0; i < 400 && app.contentVersion.current() === undefined; i++) await sleep(5)
    t.not(app.contentVersion.current(), undefined, 'the content version is known')
    queries.length = 0
    t.equal((await app.inject('/v1/tags?limit=7')).statusCode, 200)
    const perMaking = queries.length
    t.ok(perMaking > 0)

    queries.length = 0
    const answers = await Promise.all(Array.from({ length: 12 }, () => app.inject('/v1/tags?limit=5')))
    t.same(answers.map((a) => a.statusCode), Array(12).fill(200))
    t.equal(new Set(answers.map((a) => a.body)).size, 1, 'the same body for all')
    t.equal(new Set(answers.map((a) => a.headers.etag)).size, 1)
    t.equal(queries.length, perMaking, 'the queries of one making, not of twelve')

    queries.length = 0
    t.equal((await app.inject('/v1/tags?limit=5')).body, answers[0]!.body)
    t.equal(queries.length, 0, 'asked for by many at once: kept')

    // A request with a key is never answered from the public cache, so it never waits for a public making.
    queries.length = 0
    const [pub, keyed] = await Promise.all([app.inject('/v1/tags?limit=6'), app.inject({ url: '/v1/tags?limit=6', headers })])
    t.same([pub!.statusCode, keyed!.statusCode], [200, 200])
    t.match(keyed!.headers['cache-control'], /^private/)
    t.ok(queries.length >= 2 * perMaking, 'each made its own')
  })

  t.test('a conditional request is not waited for: it may get a 304 that is not kept', async (t) => {
    // Each feed read once alone first: what one making of it costs, and what a conditional answered by the
    // route itself costs (`*`: any current representation, so not modified).
    const anyCurrent = { 'if-none-match': '*' }
    queries.length = 0
    t.equal((await app.inject('/tags/frontend/feed.json')).statusCode, 200)
    const perMaking = queries.length
    queries.length = 0
    t.equal((await app.inject({ url: '/tags/reliability/feed.json', headers: anyCurrent })).statusCode, 304)
    const perConditional = queries.length

    queries.length = 0
    const [conditional, ...plain] = await Promise.all([
      app.inject({ url: '/tags/architecture/feed.json', headers: anyCurrent }),
      ...Array.from({ length: 8 }, () => app.inject('/tags/architecture/feed.json')),
    ])
    t.equal(conditional!.statusCode, 304)
    t.same(plain.map((a) => a.statusCode), Array(8).fill(200))
    t.equal(new Set(plain.map((a) => a.body)).size, 1)
    t.equal(queries.length, perConditional + perMaking, 'the conditional request\'s own, and one making for the rest')
  })

  t.test('readers waiting for a response that fails make it themselves', async (t) => {
    queries.length = 0
    t.equal((await app.inject('/v1/tags/also-no-such-tag')).statusCode, 404)
    const perMaking = queries.length
    queries.length = 0
    const answers = await Promise.all(Array.from({ length: 6 }, () => app.inject('/v1/tags/no-such-tag')))
    t.same(answers.map((a) => a.statusCode), Array(6).fill(404))
    t.equal(queries.length, 6 * perMaking, 'each made its own')
    for (const a of answers) {
      t.match(a.headers['content-type'], /^application\/problem\+json/)
      t.equal(a.json().requestId, a.headers['x-request-id'], 'its own problem, not another request\'s')
    }
    const invalid = await Promise.all(Array.from({ length: 6 }, () => app.inject('/v1/tags?limit=0')))
    t.same(invalid.map((a) => a.statusCode), Array(6).fill(400))
  })

  t.test('health and errors are not cached', async (t) => {
    queries.length = 0
    await app.inject('/readyz')
    await app.inject('/readyz')
    t.ok(queries.length >= 2, 'each readiness probe asks the database')
  })
})

t.test('RESPONSE_CACHE_MB=0 turns the response cache off', async (t) => {
  const queries: string[] = []
  const { app } = await build(t, { env: { RESPONSE_CACHE_MB: '0' }, onQuery: (q) => queries.push(q) })
  await app.inject('/v1/tags')
  queries.length = 0
  await app.inject('/v1/tags')
  t.ok(queries.length > 0)
})

t.test('two replicas on one PostgreSQL never serve each other stale content', onPostgres, async (t) => {
  const { url } = await testDatabase(t)
  const a = await replicaOn(t, url!)
  const b = await replicaOn(t, url!)
  const headers = await authHeaders(a.database.db)

  for (let round = 1; round <= 20; round++) {
    // Both replicas have the current list cached...
    const before = (await b.app.inject('/v1/posts?limit=1')).json().data[0]
    await a.app.inject('/v1/posts?limit=1')
    // ...a write lands on A, and the very next read goes to B.
    const title = `Round ${round}`
    const res = await a.app.inject({ method: 'PATCH', url: `/v1/posts/${before.id}`, headers, payload: { title } })
    t.equal(res.statusCode, 200)
    t.equal((await b.app.inject('/v1/posts?limit=1')).json().data[0].title, title, `round ${round}: B sees A's write`)
    t.equal((await a.app.inject('/v1/posts?limit=1')).json().data[0].title, title, `round ${round}: A sees its own write`)
  }
})

t.test('a write is answered only once every replica has confirmed it, however late one hears', onPostgres, async (t) => {
  const { url } = await testDatabase(t)
  const { app, database } = await replicaOn(t, url!)
  const headers = await authHeaders(database.db)
  const [post] = (await app.inject('/v1/posts?limit=1')).json().data

  // A slow replica: it listens as the replicas do, but confirms only when the test says so.
  const slow = new pg.Client({ connectionString: url })
  await slow.connect()
  t.teardown(() => slow.end())
  await slow.query(`LISTEN ${CONTENT_CHANNEL}`)
  await slow.query(`SET application_name = '${LISTENER_NAME}'`)
  const nextChange = () => new Promise<string>((resolve) => {
    slow.once('notification', (message) => resolve(message.payload!))
  })

  const events: string[] = []
  const change = nextChange()
  const answered = app.inject({ method: 'PATCH', url: `/v1/posts/${post.id}`, headers, payload: { title: 'Heard late' } })
    .then((res) => { events.push('answered'); return res })
  const version = await change
  await sleep(100)
  events.push('confirmed')
  await slow.query('select pg_notify($1, $2)', [CONFIRM_CHANNEL, version])
  t.equal((await answered).statusCode, 200)
  t.same(events, ['confirmed', 'answered'], 'the writer waited for the slow replica')

  // A replica that never confirms (hung) delays a write, but does not block it.
  const res = await app.inject({ method: 'PATCH', url: `/v1/posts/${post.id}`, headers, payload: { title: 'Never confirmed' } })
  t.equal(res.statusCode, 200)
  t.equal((await app.inject(`/v1/posts/${post.id}`)).json().data.title, 'Never confirmed')

  // A draft's writes change nothing the public sees: no replica is told, so none is waited for.
  let told = 0
  slow.on('notification', (message) => { if (message.channel === CONTENT_CHANNEL) told++ })
  const draft = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Unseen', markdown: 'Draft.', authors: ['mateo-ruiz'], tags: ['frontend'] } })
  t.equal(draft.statusCode, 201)
  const saved = await app.inject({ method: 'PATCH', url: `/v1/posts/${draft.json().data.id}`, headers, payload: { markdown: 'Draft, saved.' } })
  t.equal(saved.statusCode, 200)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/posts/${draft.json().data.id}`, headers })).statusCode, 204)
  // A round trip on the listener's connection: a notification sent before it has arrived by its end.
  await slow.query('select 1')
  t.equal(told, 0, 'no change announced for a draft created, saved and deleted')
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/posts/${post.id}`, headers, payload: { title: 'Seen again' } })).statusCode, 200)
  await slow.query('select 1')
  t.ok(told > 0, 'a public write is announced, to the same listener')
})

t.test('while its listener is down, a replica serves nothing from memory', onPostgres, async (t) => {
  const { url } = await testDatabase(t)
  const { app, database } = await replicaOn(t, url!)
  const read = async () => (await app.inject('/v1/posts?limit=1')).json().data[0]
  const [post] = [await read(), await read()] // kept from the second read
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  t.teardown(() => admin.end())

  const { rowCount } = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and datname = current_database()', [LISTENER_NAME])
  t.equal(rowCount, 1, "the replica's listener is cut off")
  await sleep(50) // for the replica to see its connection end (it reconnects a while later)
  // A change it cannot hear: written straight to the database, while the listener is away.
  await admin.query('update posts set title = $1 where id = $2', ['Changed unheard', post.id])
  t.equal((await read()).title, 'Changed unheard')
})
