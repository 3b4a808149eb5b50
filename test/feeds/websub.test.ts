import t, { type Test } from 'tap'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { FEED_FORMATS } from '../../src/feeds/feed-urls.js'
import { HubPublisher, PUBLISH_DELAY_MS } from '../../src/feeds/websub.js'
import { build, testDatabase } from '../helper.js'
import { authHeaders } from '../support/auth.js'

interface Ping { method: string; contentType: string | undefined; fields: Record<string, string> }

/** A hub that takes every ping (or refuses while `refusing`), and what it was sent. */
async function fakeHub(t: Test) {
  const pings: Ping[] = []
  const state = { refusing: false }
  const server = createServer((request: IncomingMessage, response) => {
    let body = ''
    request.on('data', (chunk) => (body += chunk))
    request.on('end', () => {
      pings.push({ method: request.method!, contentType: request.headers['content-type'], fields: Object.fromEntries(new URLSearchParams(body)) })
      response.writeHead(state.refusing ? 503 : 204).end()
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
  publisher.changed()
  await sleep(PUBLISH_DELAY_MS + 300)
  t.equal(inFlight, FEED_FORMATS.length, 'the first round pings the site\'s feeds')
  publisher.changed()
  // The second round is due while the first still waits for the hub; it starts once that one is answered.
  await sleep(PUBLISH_DELAY_MS + 1_000)
  await publisher.close()
  t.equal(most, FEED_FORMATS.length, 'never more pings at once than one round makes')
  t.equal(answered, 2 * FEED_FORMATS.length, 'both rounds were made, the second answered before close returned')
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
    publisher.changed()
    await sleep(1_050)
  }
  const closing = Date.now()
  await publisher.close()
  const took = Date.now() - closing
  t.ok(took < 2_000, `closing waited for the round pinging, not a backlog (${took} ms)`)
  t.ok(rounds / FEED_FORMATS.length <= 5, `no more rounds than the hub could answer in that time (${rounds / FEED_FORMATS.length})`)
})
