import t, { type Test } from 'tap'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import pino from 'pino'
import { FEED_FORMATS } from '../../src/feeds/feed-urls.js'
import { changedTopics, databaseClock, HubPublisher, PUBLISH_DELAY_MS } from '../../src/feeds/websub.js'
import { rowsOf } from '../../src/db/client.js'
import { pruneFeedDepartures } from '../../src/db/feed-departures.js'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { build, testDatabase } from '../helper.js'
import { authHeaders } from '../support/auth.js'

interface Ping { method: string; contentType: string | undefined; fields: Record<string, string> }

/** A hub that takes every ping (or refuses while `refusing`), and what it was sent. */
async function fakeHub(t: Test) {
  const pings: Ping[] = []
  const state: { refusing: boolean | ((topic: string) => boolean) } = { refusing: false }
  const server = createServer((request: IncomingMessage, response) => {
    let body = ''
    request.on('data', (chunk) => (body += chunk))
    request.on('end', () => {
      pings.push({ method: request.method!, contentType: request.headers['content-type'], fields: Object.fromEntries(new URLSearchParams(body)) })
      const refused = typeof state.refusing === 'function' ? state.refusing(new URLSearchParams(body).get('hub.url') ?? '') : state.refusing
      response.writeHead(refused ? 503 : 204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, pings, state }
}

/** The topics pinged once `until` holds of them (or ten seconds have passed). */
async function topicsOnce(pings: Ping[], until: (topics: Set<string>) => boolean): Promise<Set<string>> {
  for (let i = 0; i < 200; i++) {
    const topics = new Set(pings.map((p) => p.fields['hub.url']!))
    if (until(topics)) return topics
    await sleep(50)
  }
  return new Set(pings.map((p) => p.fields['hub.url']!))
}

t.test('the WebSub hub is told which feeds changed, as each change to the public content is made', async (t) => {
  const hub = await fakeHub(t)
  const { app, database, config } = await build(t, { env: { WEBSUB_HUB: hub.url, RATE_LIMIT_WRITES_PER_MINUTE: '0' } })
  const headers = await authHeaders(database.db)
  const feeds = (prefix: string) => ['feed.xml', 'feed.atom', 'feed.json'].map((file) => `${config.site.apiUrl}${prefix}/${file}`)
  const write = (payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { markdown: 'Pushed.', authors: ['ada-okafor'], ...payload } })

  t.equal((await write({ title: 'Pushed to subscribers', tags: ['data'], status: 'published' })).statusCode, 201)
  const expected = [...feeds(''), ...feeds('/tags/data'), ...feeds('/authors/ada-okafor')]
  const topics = await topicsOnce(hub.pings, (seen) => expected.every((topic) => seen.has(topic)))
  t.ok(hub.pings.every((p) => p.method === 'POST' && p.contentType === 'application/x-www-form-urlencoded;charset=UTF-8' && p.fields['hub.mode'] === 'publish'),
    'each a form POST with hub.mode=publish')
  for (const topic of expected) t.ok(topics.has(topic), `${topic} is pinged`)
  t.notOk(topics.has(`${config.site.apiUrl}/tags/testing/feed.xml`), "a tag the post does not have is not")
  t.equal(hub.pings.length, topics.size, 'each once')

  // A draft changes no feed: no ping.
  hub.pings.length = 0
  t.equal((await write({ title: 'Not yet', tags: ['testing'] })).statusCode, 201)
  await sleep(PUBLISH_DELAY_MS * 2.5)
  t.same(hub.pings, [], 'a draft is not pushed')

  // A scheduled post: its tag's feeds are pinged when it goes live, without a write then.
  const at = new Date(Date.now() + 2_000)
  t.equal((await write({ title: 'Later on', tags: ['testing'], status: 'published', publishedAt: at.toISOString() })).statusCode, 201)
  await sleep(PUBLISH_DELAY_MS * 1.5)
  t.notOk(new Set(hub.pings.map((p) => p.fields['hub.url'])).has(`${config.site.apiUrl}/tags/testing/feed.xml`), 'not before its time')
  const live = await topicsOnce(hub.pings, (seen) => feeds('/tags/testing').every((topic) => seen.has(topic)))
  for (const topic of feeds('/tags/testing')) t.ok(live.has(topic), `${topic} is pinged once the post is live`)
  t.ok(Date.now() >= at.getTime(), 'at its time')

  // A hub that refuses a ping does not hold the write up, nor fail it.
  hub.state.refusing = true
  const refused = await app.inject({ method: 'PATCH', url: '/v1/tags/data', headers, payload: { description: 'Refused pings' } })
  t.equal(refused.statusCode, 200)
})

/**
 * A change to the public content, as a round names it: a tag that no post has (which the public sees), edited.
 * Its round pings the site's feeds and the tag's.
 */
async function editLonelyTag(database: Awaited<ReturnType<typeof testDatabase>>): Promise<void> {
  await database.db.execute(sql`insert into tags (slug, name) values ('lonely', 'Lonely')
    on conflict (slug) do update set updated_at = clock_timestamp()`)
}
const PINGS_PER_ROUND = 2 * FEED_FORMATS.length

t.test('rounds of pings never overlap: a round due while the hub is slow to answer follows it, and closing waits for the one pinging', async (t) => {
  const database = await testDatabase(t)
  let inFlight = 0
  let most = 0
  let answered = 0
  const server = createServer((request, response) => {
    inFlight++
    most = Math.max(most, inFlight)
    request.resume().on('end', () => setTimeout(() => {
      inFlight--
      answered++
      response.writeHead(204).end()
    }, 1_500))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const publisher = new HubPublisher(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, 'https://api.example.com', database.db, pino({ level: 'silent' }))
  await editLonelyTag(database)
  publisher.changed()
  await sleep(PUBLISH_DELAY_MS + 300)
  t.equal(inFlight, PINGS_PER_ROUND, 'the first round pings the site\'s feeds and the tag\'s')
  await editLonelyTag(database)
  publisher.changed()
  // The second round is due while the first still waits for the hub; it starts once that one is answered.
  await sleep(PUBLISH_DELAY_MS + 1_000)
  await publisher.close()
  t.equal(most, PINGS_PER_ROUND, 'never more pings at once than one round makes')
  t.equal(answered, 2 * PINGS_PER_ROUND, 'both rounds were made, the second answered before close returned')
})

t.test('changes heard while the hub is slow wait as one round, not one each: closing waits for the round pinging, no more', async (t) => {
  const database = await testDatabase(t)
  let rounds = 0
  const server = createServer((request, response) => {
    rounds++
    request.resume().on('end', () => setTimeout(() => response.writeHead(204).end(), 1_500))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const publisher = new HubPublisher(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, 'https://api.example.com', database.db, pino({ level: 'silent' }))
  // A change every 1.05 s for 6 s, against a hub that takes 1.5 s to answer a round.
  for (let i = 0; i < 6; i++) {
    await editLonelyTag(database)
    publisher.changed()
    await sleep(1_050)
  }
  const closing = Date.now()
  await publisher.close()
  const took = Date.now() - closing
  t.ok(took < 2_000, `closing waited for the round pinging, not a backlog (${took} ms)`)
  t.ok(rounds / PINGS_PER_ROUND <= 5, `no more rounds than the hub could answer in that time (${rounds / PINGS_PER_ROUND})`)
})

t.test('the feeds a public post leaves are pinged too: a tag taken off it, and every feed of it unpublished or deleted', async (t) => {
  const hub = await fakeHub(t)
  const { app, database, config } = await build(t, { env: { WEBSUB_HUB: hub.url, RATE_LIMIT_WRITES_PER_MINUTE: '0' } })
  const headers = await authHeaders(database.db)
  const feeds = (prefix: string) => ['feed.xml', 'feed.atom', 'feed.json'].map((file) => `${config.site.apiUrl}${prefix}/${file}`)
  const leaving = [...feeds('/tags/leaving'), ...feeds('/tags/staying'), ...feeds('/authors/ada-okafor')]
  /** The topics pinged after `write`, once all of `expected` were. */
  const pingedAfter = async (write: () => Promise<{ statusCode: number }>, status: number, expected: string[]) => {
    hub.pings.length = 0
    t.equal((await write()).statusCode, status)
    return topicsOnce(hub.pings, (seen) => expected.every((topic) => seen.has(topic)))
  }
  /**
   * The feeds a round would name for `write` alone: those changed between the database's clock before and
   * after it (a round's pings also name again the last second before the round before, whatever that was).
   */
  const namedBy = async (write: () => Promise<{ statusCode: number }>, status: number) => {
    const before = await databaseClock(database.db)
    t.equal((await write()).statusCode, status)
    return changedTopics(database.db, config.site.apiUrl, before, await databaseClock(database.db))
  }
  const created = await app.inject({
    method: 'POST', url: '/v1/posts', headers,
    payload: { title: 'Leaving soon', markdown: 'Here for now.', authors: ['ada-okafor'], tags: ['leaving', 'staying'], status: 'published' },
  })
  t.equal(created.statusCode, 201)
  const { id } = created.json().data
  const patch = (payload: Record<string, unknown>) => () => app.inject({ method: 'PATCH', url: `/v1/posts/${id}`, headers, payload })
  await topicsOnce(hub.pings, (seen) => leaving.every((topic) => seen.has(topic)))

  let topics = await pingedAfter(patch({ tags: ['staying'] }), 200, feeds('/tags/leaving'))
  for (const topic of feeds('/tags/leaving')) t.ok(topics.has(topic), `${topic} is pinged when the tag is taken off the post`)

  const beforeUnpublish = await databaseClock(database.db)
  topics = await pingedAfter(patch({ status: 'draft' }), 200, [...feeds('/tags/staying'), ...feeds('/authors/ada-okafor')])
  for (const topic of [...feeds('/tags/staying'), ...feeds('/authors/ada-okafor')]) t.ok(topics.has(topic), `${topic} is pinged when the post is unpublished`)
  // Read off the unpublish's own window: its round's pings may name again the second before the round before
  // (a round started early by a change heard before the retag), which a slow machine made flaky here.
  const named = await changedTopics(database.db, config.site.apiUrl, beforeUnpublish, await databaseClock(database.db))
  t.notOk(named.includes(feeds('/tags/leaving')[0]!), 'not the tag the post had left before')

  // A draft leaves no feed: taking a tag off it, or deleting it, names none.
  t.same(await namedBy(patch({ tags: ['leaving'] }), 200), [], 'a draft retagged names no feed')

  t.equal((await patch({ status: 'published', tags: ['leaving', 'staying'] })()).statusCode, 200)
  await topicsOnce(hub.pings, (seen) => leaving.every((topic) => seen.has(topic)))
  // Put back to a later time: out of its feeds until then.
  topics = await pingedAfter(patch({ publishedAt: new Date(Date.now() + 3_600_000).toISOString() }), 200, leaving)
  for (const topic of leaving) t.ok(topics.has(topic), `${topic} is pinged when the post is put back to a later time`)
  t.equal((await patch({ publishedAt: new Date(Date.now() - 1_000).toISOString() })()).statusCode, 200)
  await topicsOnce(hub.pings, (seen) => leaving.every((topic) => seen.has(topic)))
  topics = await pingedAfter(() => app.inject({ method: 'DELETE', url: `/v1/posts/${id}`, headers }), 204, leaving)
  for (const topic of leaving) t.ok(topics.has(topic), `${topic} is pinged when the post is deleted`)
  const noted = rowsOf<{ kind: string; slug: string }>(await database.db.execute(sql`
    select distinct d.kind, coalesce(t.slug, a.slug) as slug from feed_departures d
      left join tags t on d.kind = 'tag' and t.id = d.target_id left join authors a on d.kind = 'author' and a.id = d.target_id
    order by d.kind, slug`))
  t.same(noted, [{ kind: 'author', slug: 'ada-okafor' }, { kind: 'tag', slug: 'leaving' }, { kind: 'tag', slug: 'staying' }], 'the departures noted: the post\'s feeds, no other')

  const draft = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Never out', markdown: 'Draft.', authors: ['ada-okafor'], tags: ['leaving'] } })
  t.same(await namedBy(() => app.inject({ method: 'DELETE', url: `/v1/posts/${draft.json().data.id}`, headers }), 204), [], 'a draft deleted names no feed')
})

t.test('a replica starting pings what changed while none ran, a tag renamed under its old slug too', async (t) => {
  const hub = await fakeHub(t)
  const database = await testDatabase(t)
  const env = { LOG_LEVEL: 'silent', SITE_URL: 'https://blog.example.com', RATE_LIMIT_WRITES_PER_MINUTE: '0' }
  const config = loadConfig({ ...env, WEBSUB_HUB: hub.url })
  const feeds = (prefix: string) => ['feed.xml', 'feed.atom', 'feed.json'].map((file) => `${config.site.apiUrl}${prefix}/${file}`)
  const first = await buildApp(config, { database })
  await first.ready()
  // Its first round marks how far the hub was told.
  await sleep(PUBLISH_DELAY_MS * 2)
  await first.close()
  t.same(hub.pings, [], 'nothing had changed')

  // While no replica with a hub runs (an import on the embedded database, say): a post, and a tag renamed.
  const writer = await buildApp(loadConfig(env), { database })
  const headers = await authHeaders(database.db)
  const created = await writer.inject({
    method: 'POST', url: '/v1/posts', headers, payload: { title: 'Written offline', markdown: 'Unheard.', authors: ['ada-okafor'], tags: ['offline'], status: 'published' },
  })
  t.equal(created.statusCode, 201)
  t.equal((await writer.inject({ method: 'PATCH', url: '/v1/tags/data', headers, payload: { slug: 'data-engineering' } })).statusCode, 200)
  await writer.close()

  const second = await buildApp(config, { database })
  await second.ready()
  t.teardown(() => second.close())
  const expected = [...feeds(''), ...feeds('/tags/offline'), ...feeds('/authors/ada-okafor'), ...feeds('/tags/data-engineering'), ...feeds('/tags/data')]
  const topics = await topicsOnce(hub.pings, (seen) => expected.every((topic) => seen.has(topic)))
  for (const topic of expected) t.ok(topics.has(topic), `${topic} is pinged once a replica starts`)
  const [mark] = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from websub_state where pinged_until > now() - interval '1 minute'`))
  t.equal(mark?.n, 1, 'the round is marked in the database, for the next replica to start')
})

/** A database whose mark of how far the hub was told is now (`before`), and a reader of the mark. */
async function markedDatabase(t: Test) {
  const database = await testDatabase(t)
  const mark = async () => rowsOf<{ at: string | null }>(await database.db.execute(sql`select max(pinged_until)::text as at from websub_state`))[0]?.at ?? null
  await database.db.execute(sql`insert into websub_state (id, pinged_until) values (1, clock_timestamp())`)
  return { database, mark, before: await mark() }
}

t.test('how far the hub was told moves only with a round it took whole: after one it refused, a replica starting names those changes again', async (t) => {
  const hub = await fakeHub(t)
  const { database, mark, before } = await markedDatabase(t)
  const publisher = new HubPublisher(hub.url, 'https://api.example.com', database.db, pino({ level: 'silent' }))
  t.teardown(() => publisher.close())
  hub.state.refusing = true
  await editLonelyTag(database)
  publisher.changed()
  await topicsOnce(hub.pings, (seen) => seen.size >= PINGS_PER_ROUND)
  await sleep(200)
  t.equal(await mark(), before, 'a round the hub refused leaves the mark')

  hub.state.refusing = false
  hub.pings.length = 0
  const restarted = new HubPublisher(hub.url, 'https://api.example.com', database.db, pino({ level: 'silent' }))
  t.teardown(() => restarted.close())
  restarted.start()
  const topics = await topicsOnce(hub.pings, (seen) => seen.has('https://api.example.com/tags/lonely/feed.xml'))
  t.ok(topics.has('https://api.example.com/tags/lonely/feed.xml'), 'a replica starting pings the refused round\'s feeds again')
  await sleep(200)
  t.ok((await mark())! > before!, 'and, taken whole, moves the mark')
})

t.test('after a ping the hub refused, the mark waits for it: a round taken whole meanwhile does not move it, the retry taken does', async (t) => {
  const hub = await fakeHub(t)
  const { database, mark, before } = await markedDatabase(t)
  const publisher = new HubPublisher(hub.url, 'https://api.example.com', database.db, pino({ level: 'silent' }), PUBLISH_DELAY_MS * 4)
  t.teardown(() => publisher.close())
  const lonely = 'https://api.example.com/tags/lonely/feed.xml'
  hub.state.refusing = (topic) => topic === lonely
  await editLonelyTag(database)
  publisher.changed()
  await topicsOnce(hub.pings, (seen) => seen.has(lonely))
  hub.state.refusing = false
  // A second round, every ping of it taken, while the first one's refused ping waits for its retry.
  await database.db.execute(sql`insert into tags (slug, name) values ('other-lonely', 'Other lonely')`)
  publisher.changed()
  await topicsOnce(hub.pings, (seen) => seen.has('https://api.example.com/tags/other-lonely/feed.xml'))
  await sleep(300)
  t.equal(await mark(), before, 'the mark waits while a ping is outstanding')
  hub.pings.length = 0
  await topicsOnce(hub.pings, (seen) => seen.has(lonely))
  await sleep(300)
  t.ok(hub.pings.some((p) => p.fields['hub.url'] === lonely), 'the refused ping is made again')
  t.ok((await mark())! > before!, 'and once the hub took it, the mark moves')
})

t.test('departures are pruned once a week old and behind how far the hub was told, not before', async (t) => {
  const database = await testDatabase(t)
  const tagId = rowsOf<{ id: string }>(await database.db.execute(sql`select id from tags order by slug limit 1`))[0]!.id
  await database.db.execute(sql`insert into feed_departures (kind, target_id, departed_at) values
    ('tag', ${tagId}, now() - interval '8 days'), ('tag', ${tagId}, now() - interval '1 day')`)
  const ages = async () => rowsOf<{ days: number }>(await database.db.execute(sql`
    select round(extract(epoch from now() - departed_at) / 86400)::int as days from feed_departures order by departed_at`)).map((r) => r.days)
  await database.db.execute(sql`insert into websub_state (id, pinged_until) values (1, now() - interval '9 days')`)
  await pruneFeedDepartures(database.db)
  t.same(await ages(), [8, 1], 'a week old, but after the mark: a replica starting still needs it')
  await database.db.execute(sql`update websub_state set pinged_until = now()`)
  await pruneFeedDepartures(database.db)
  t.same(await ages(), [1], 'a week old and behind the mark: pruned')
})
