import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { eq } from 'drizzle-orm'
import { readContentState } from '../support/content-state.js'
import { authors, posts, serviceSecrets, tags } from '../../src/db/schema.js'
import { buildApp } from '../../src/app.js'
import { build, nextSecondAfter, writeBehindApp } from '../helper.js'
import { authHeaders } from '../support/auth.js'
import { insertPost, readFeed } from '../support/feeds.js'

const FEEDS = ['/feed.xml', '/feed.atom', '/feed.json', '/tags/data/feed.xml', '/authors/lin-zhang/feed.atom', '/feed.json?archive=1']

t.test('feed caching and conditional GETs', async (t) => {
  const queries: string[] = []
  const { app, database, config } = await build(t, { env: { CACHE_MAX_AGE: '300' }, onQuery: (q) => queries.push(q) })
  // Another replica on the same database, whose caches have seen nothing: what it answers, its route makes.
  const freshReplica = async () => {
    const replica = await buildApp(config, { database })
    t.teardown(() => replica.close())
    await replica.ready()
    return replica
  }

  t.test('every feed carries ETag, Last-Modified and Cache-Control', async (t) => {
    const { changedAt } = await readContentState(database.db)
    // Dated once the second of the last change (or of the app's start, before now) is over (see the
    // unpublishing test below).
    await nextSecondAfter(new Date(Math.max(changedAt.getTime(), Date.now())).toUTCString())
    const dates = new Set<string>()
    for (const url of FEEDS) {
      const res = await app.inject(url)
      t.equal(res.statusCode, 200, url)
      t.match(res.headers.etag, /^W\/"[\w-]+"$/, `${url} ETag`)
      t.equal(res.headers['cache-control'], 'public, max-age=300', `${url} Cache-Control`)
      // The demo's newest post is older than the last content write (the seed): that, or the app's start if later.
      const lastModified = Date.parse(res.headers['last-modified'] as string)
      t.ok(lastModified >= Date.parse(changedAt.toUTCString()) && lastModified <= Date.now(), `${url} Last-Modified`)
      dates.add(res.headers['last-modified'] as string)
    }
    t.equal(dates.size, 1, 'every feed has the same date: the last public write (or the start)')
    const etags = new Set(await Promise.all(FEEDS.map(async (url) => (await app.inject(url)).headers.etag)))
    t.equal(etags.size, FEEDS.length, 'each feed document has its own ETag')
  })

  t.test('a restart with other settings is a change to every feed, by tag and by date', async (t) => {
    await nextSecondAfter(new Date().toUTCString())
    const before = await app.inject('/feed.atom')
    const [etag, lastModified] = [before.headers.etag as string, before.headers['last-modified'] as string]
    t.ok(lastModified, 'dated')
    const renamed = await buildApp({ ...config, site: { ...config.site, title: 'Renamed blog' } }, { database })
    t.teardown(() => renamed.close())
    const byTag = await renamed.inject({ url: '/feed.atom', headers: { 'if-none-match': etag } })
    t.equal(byTag.statusCode, 200, 'by tag')
    t.equal(readFeed('atom', byTag.body).title, 'Renamed blog')
    t.equal((await renamed.inject({ url: '/feed.atom', headers: { 'if-modified-since': lastModified } })).statusCode, 200, 'by date')
  })

  t.test('feeds are dated from when their settings began to be served, on which replicas and restarts agree', async (t) => {
    const dateOf = async (replica: FastifyInstance) => {
      await nextSecondAfter(new Date().toUTCString())
      const response = await replica.inject('/feed.atom')
      t.equal(response.statusCode, 200)
      return response.headers['last-modified'] as string
    }
    const startedWith = async (site: typeof config.site) => {
      const replica = await buildApp({ ...config, site }, { database })
      t.teardown(() => replica.close())
      await replica.ready()
      return replica
    }
    const renamedSite = { ...config.site, title: 'Renamed again' }
    const renamed = await startedWith(renamedSite)
    const since = await dateOf(renamed)
    t.ok(Date.parse(since) >= Date.parse((await readContentState(database.db)).changedAt.toUTCString()), 'dated by the settings, later than the content')

    const restarted = await startedWith(renamedSite)
    t.equal(await dateOf(restarted), since, 'a replica or a restart with the same settings, later: the same date')
    t.equal((await restarted.inject({ url: '/feed.atom', headers: { 'if-modified-since': since } })).statusCode, 304, 'a reader polling by date is not sent it again')

    const rolledBack = await startedWith(config.site)
    const rolledBackSince = await dateOf(rolledBack)
    t.ok(Date.parse(rolledBackSince) > Date.parse(since), 'other settings (earlier ones again): a later date')
    const polled = await rolledBack.inject({ url: '/feed.atom', headers: { 'if-modified-since': since } })
    t.equal(polled.statusCode, 200, 'a reader polling by date gets the feed of those settings')
    t.equal(readFeed('atom', polled.body).title, config.site.title)
    t.equal(await dateOf(await startedWith(config.site)), rolledBackSince, 'and replicas started after it agree')
    const kept = await database.db.select().from(serviceSecrets).where(eq(serviceSecrets.name, 'feed-settings'))
    t.equal(kept.length, 1, 'one date is kept, for the settings last started')
  })

  t.test('an empty feed\'s ETag names what it shows: its tag (the feed\'s id) and that tag\'s date', async (t) => {
    const url = '/tags/quiet/feed.atom'
    const created = new Date('2026-01-02T03:04:05.000Z')
    const tag = { slug: 'quiet', name: 'Quiet', description: 'No posts yet', createdAt: created, updatedAt: created }
    await writeBehindApp(app, () => database.db.insert(tags).values(tag))
    const first = await app.inject(url)
    t.equal(first.statusCode, 200)
    t.equal(readFeed('atom', first.body).items.length, 0, 'empty')
    const stillCurrent = () => app.inject({ url, headers: { 'if-none-match': first.headers.etag as string } })

    // Deleted and made again, the same in all but its id (and so the feed's atom:id).
    await writeBehindApp(app, () => database.db.delete(tags).where(eq(tags.slug, 'quiet')))
    await writeBehindApp(app, () => database.db.insert(tags).values(tag))
    const remade = await stillCurrent()
    t.equal(remade.statusCode, 200, 'another tag: another feed id')
    t.not(remade.headers.etag, first.headers.etag)

    // The date an empty feed shows is its tag's.
    await writeBehindApp(app, () => database.db.update(tags).set({ updatedAt: new Date('2026-02-03T04:05:06.000Z') }).where(eq(tags.slug, 'quiet')))
    const redated = await app.inject({ url, headers: { 'if-none-match': remade.headers.etag as string } })
    t.equal(redated.statusCode, 200, 'another date shown')
    t.not(redated.body, remade.body)
    await writeBehindApp(app, () => database.db.delete(tags).where(eq(tags.slug, 'quiet')))
    // The next tests' feeds are dated: once the second of these writes is over.
    await nextSecondAfter(new Date().toUTCString())
  })

  t.test('a matching If-None-Match or If-Modified-Since answers 304 with no body', async (t) => {
    for (const url of FEEDS) {
      const first = await app.inject(url)
      const etag = first.headers.etag as string
      const byTag = await app.inject({ url, headers: { 'if-none-match': etag } })
      t.equal(byTag.statusCode, 304, `${url} If-None-Match`)
      t.equal(byTag.body, '')
      t.equal(byTag.headers.etag, etag)
      t.equal(byTag.headers['cache-control'], 'public, max-age=300', 'a 304 keeps Cache-Control')
      t.equal(byTag.headers['last-modified'], first.headers['last-modified'])
      const byDate = await app.inject({ url, headers: { 'if-modified-since': first.headers['last-modified'] as string } })
      t.equal(byDate.statusCode, 304, `${url} If-Modified-Since`)
      const head = await app.inject({ method: 'HEAD', url, headers: { 'if-none-match': etag } })
      t.equal(head.statusCode, 304, `${url} HEAD`)
      t.notOk('content-length' in head.headers, `${url}: a 304 has no Content-Length, HEAD or GET`)
      t.notOk('content-length' in byTag.headers)
    }
    const older = new Date(Date.parse((await app.inject('/feed.xml')).headers['last-modified'] as string) - 1000).toUTCString()
    t.equal((await app.inject({ url: '/feed.xml', headers: { 'if-modified-since': older } })).statusCode, 200, 'an older date gets the feed')
    t.equal((await app.inject({ url: '/feed.xml', headers: { 'if-none-match': '"something-else"' } })).statusCode, 200)
  })

  t.test('the 304 path reads no post: one aggregate statement, and no rendering', async (t) => {
    const etag = (await app.inject('/feed.xml')).headers.etag as string
    const replica = await freshReplica()
    queries.length = 0
    // A replica that never served it cannot answer from its caches, so the route does: validators only.
    t.equal((await replica.inject({ url: '/feed.xml', headers: { 'if-none-match': etag } })).statusCode, 304)
    t.equal(queries.length, 1, queries.join('\n'))
    t.notMatch(queries.join('\n'), /"html"/, 'no body is read')
  })

  t.test('rendering a feed counts its posts once: its archive links are those its validators count', async (t) => {
    const replica = await freshReplica()
    for (const url of ['/feed.xml', '/tags/data/feed.atom', '/feed.json?archive=1']) {
      queries.length = 0
      t.equal((await replica.inject(url)).statusCode, 200, url)
      t.equal(queries.filter((q) => /\bcount\(/i.test(q)).length, 1, `${url}: ${queries.join('\n')}`)
    }
  })

  t.test('an unchanged feed is served from the response cache: no query at all', async (t) => {
    const first = await app.inject('/tags/data/feed.atom')
    await app.inject('/tags/data/feed.atom') // kept from its second read
    queries.length = 0
    const again = await app.inject('/tags/data/feed.atom')
    t.equal(again.statusCode, 200)
    t.equal(again.body, first.body)
    t.equal(again.headers.etag, first.headers.etag)
    const notModified = await app.inject({ url: '/tags/data/feed.atom', headers: { 'if-none-match': first.headers.etag as string } })
    t.equal(notModified.statusCode, 304)
    t.equal(queries.length, 0, 'neither the 200 nor the 304 touched the database')
  })

  t.test('tracking parameters are one feed to the cache: a new value each time is no new copy to make', async (t) => {
    const first = await app.inject('/feed.atom?utm_source=a')
    await app.inject('/feed.atom?utm_source=b') // kept from its second read, whatever the parameters
    queries.length = 0
    for (const url of ['/feed.atom?utm_source=c', '/feed.atom', '/feed.atom?ref=x&utm_medium=rss']) {
      const res = await app.inject(url)
      t.equal(res.statusCode, 200, url)
      t.equal(res.body, first.body, `${url}: the same feed`)
    }
    const notModified = await app.inject({ url: '/feed.atom?utm_source=d', headers: { 'if-none-match': first.headers.etag as string } })
    t.equal(notModified.statusCode, 304)
    t.equal(queries.length, 0, 'none was made again')
    // The archive page is a parameter the feed reads: another page is another document.
    const archive = await app.inject('/feed.atom?archive=1&utm_source=e')
    t.equal(archive.statusCode, 200)
    t.not(archive.body, first.body, 'an archive page is not the subscription feed')
  })

  t.test('a reader polling with validators costs one query per content version, not one per poll', async (t) => {
    const first = await app.inject('/feed.atom')
    const etag = first.headers.etag as string
    const lastModified = first.headers['last-modified'] as string
    queries.length = 0
    const again = await app.inject({ url: '/feed.atom', headers: { 'if-none-match': etag } })
    t.equal(again.statusCode, 304)
    t.equal(queries.length, 0, 'the validators of the 200 sent are known')

    // Polled on a replica that never served it.
    const replica = await freshReplica()
    queries.length = 0
    t.equal((await replica.inject({ url: '/feed.atom', headers: { 'if-none-match': etag } })).statusCode, 304)
    t.equal(queries.length, 1, 'a first poll: the route finds the validators')
    queries.length = 0
    const polled = await replica.inject({ url: '/feed.atom', headers: { 'if-none-match': etag } })
    t.equal(polled.statusCode, 304)
    t.equal(polled.body, '')
    t.equal(queries.length, 0, 'the next poll: those of the 304 the route answered')
    t.equal(polled.headers.etag, etag)
    t.equal(polled.headers['cache-control'], 'public, max-age=300')
    t.notOk(polled.headers['content-type'], 'a 304 carries no representation metadata')
    const other = await replica.inject({ url: '/feed.atom', headers: { 'if-none-match': '"another"' } })
    t.equal(other.statusCode, 200, 'validators that do not match get the feed')
    t.equal(other.body, first.body)
    const both = await replica.inject({ url: '/feed.atom', headers: { 'if-none-match': '"another"', 'if-modified-since': lastModified } })
    t.equal(both.statusCode, 200, 'If-None-Match decides when both are sent, though the date matches')

    await nextSecondAfter(lastModified)
    await writeBehindApp(replica, () => database.db.update(posts).set({ title: 'Retitled while polled' }).where(eq(posts.slug, readFeed('atom', first.body).items[0]!.url!.split('/').pop()!)))
    const changed = await replica.inject({ url: '/feed.atom', headers: { 'if-none-match': etag } })
    t.equal(changed.statusCode, 200, 'after a write, the validators kept are not trusted')
    t.not(changed.headers.etag, etag)
    t.equal(readFeed('atom', changed.body).items[0]!.title, 'Retitled while polled')
    queries.length = 0
    t.equal((await replica.inject({ url: '/feed.atom', headers: { 'if-none-match': changed.headers.etag as string } })).statusCode, 304)
    t.equal(queries.length, 0, 'and the new ones are kept in their turn')
  })

  t.test('unpublishing a post changes both validators, and stale ones get the new feed', async (t) => {
    const url = '/feed.xml'
    // Once the second of the change above is over: the feed is dated.
    await nextSecondAfter(new Date().toUTCString())
    const before = await app.inject(url)
    const slug = readFeed('rss', before.body).items[3]!.url.split('/').pop()!
    await nextSecondAfter(before.headers['last-modified'] as string)
    // Made early in a second, so that the read below falls in that second.
    while (Date.now() % 1000 > 150) await sleep(5)
    const changedIn = Math.floor(Date.now() / 1000)
    await writeBehindApp(app, () => database.db.update(posts).set({ status: 'draft' }).where(eq(posts.slug, slug)))
    t.teardown(() => database.db.update(posts).set({ status: 'published' }).where(eq(posts.slug, slug)))

    const after = await app.inject({ url, headers: { 'if-none-match': before.headers.etag as string } })
    t.equal(after.statusCode, 200, 'a stale If-None-Match gets 200')
    t.not(after.headers.etag, before.headers.etag)
    // A date could name a later change in that second too, and a reader revalidating with it would get a 304
    // for a feed it does not have (RFC 9110 8.8.2.2).
    if (Math.floor(Date.now() / 1000) === changedIn) t.notOk('last-modified' in after.headers, 'no date while the second of the change runs')
    else t.comment('the read came after the second of the change: its lack of a date not checked')
    await nextSecondAfter(new Date().toUTCString())
    const dated = await app.inject(url)
    t.equal(dated.headers.etag, after.headers.etag)
    t.ok(Date.parse(dated.headers['last-modified'] as string) > Date.parse(before.headers['last-modified'] as string), 'then Last-Modified moves forward, not back')
    t.notMatch(after.body, new RegExp(`/posts/${slug}<`), 'the post is gone from the feed')
    const sinceOld = await app.inject({ url, headers: { 'if-modified-since': before.headers['last-modified'] as string } })
    t.equal(sinceOld.statusCode, 200, 'a stale If-Modified-Since gets 200')
  })

  t.test('deleting a post changes the validators', async (t) => {
    const before = await app.inject('/tags/data/feed.json')
    const victim = before.json().items[0]
    await nextSecondAfter(before.headers['last-modified'] as string)
    await writeBehindApp(app, () => database.db.delete(posts).where(eq(posts.id, victim.id)))
    const after = await app.inject({ url: '/tags/data/feed.json', headers: { 'if-none-match': before.headers.etag as string } })
    t.equal(after.statusCode, 200)
    t.not(after.headers.etag, before.headers.etag)
    t.notOk(after.json().items.some((i: { id: string }) => i.id === victim.id))
  })

  t.test('a scheduled post going live changes the validators with no write at all', async (t) => {
    const publishedAt = new Date(Date.now() + 2500)
    await insertPost(database.db, { slug: 'goes-live-shortly', title: 'Goes live shortly', html: '<p>Soon.</p>', publishedAt })
    // The insert is dated once its second is over: well before the post goes live.
    await nextSecondAfter(new Date().toUTCString())
    const before = await app.inject('/feed.atom')
    t.notMatch(before.body, /goes-live-shortly/, 'not visible before its time')
    await sleep(publishedAt.getTime() - Date.now() + 100)
    const after = await app.inject({ url: '/feed.atom', headers: { 'if-none-match': before.headers.etag as string } })
    t.equal(after.statusCode, 200)
    t.not(after.headers.etag, before.headers.etag)
    t.equal(readFeed('atom', after.body).items[0]!.title, 'Goes live shortly')
    await nextSecondAfter(publishedAt.toUTCString())
    const byDate = await app.inject({ url: '/feed.atom', headers: { 'if-modified-since': before.headers['last-modified'] as string } })
    t.equal(byDate.statusCode, 200, 'a reader polling by date gets it too')
    t.equal(byDate.headers['last-modified'], publishedAt.toUTCString(), 'Last-Modified is the new post\'s publication')
  })
  t.test('a draft saved leaves every feed\'s ETag and Last-Modified: a reader polling by either gets a 304, not the feed again', async (t) => {
    const headers = await authHeaders(database.db)
    const urls = ['/feed.xml', '/tags/data/feed.atom', '/authors/lin-zhang/feed.json', '/feed.json?archive=1']
    // Once the seconds of the changes above are over: the feeds are dated.
    await nextSecondAfter(new Date().toUTCString())
    const before = await Promise.all(urls.map((url) => app.inject(url)))
    await nextSecondAfter(before[0]!.headers['last-modified'] as string)
    const draft = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Saved, not published', markdown: 'Not yet.', authors: ['lin-zhang'], tags: ['data'] } })
    t.equal(draft.statusCode, 201)
    t.teardown(() => database.db.delete(posts).where(eq(posts.id, draft.json().data.id)))
    for (const [i, url] of urls.entries()) {
      const etag = before[i]!.headers.etag as string
      const res = await app.inject({ url, headers: { 'if-none-match': etag } })
      t.equal(res.statusCode, 304, `${url}: a draft shows nowhere`)
      t.equal(res.headers.etag, etag)
      t.equal(res.headers['last-modified'], before[i]!.headers['last-modified'], `${url}: so is Last-Modified: nothing the public sees changed`)
      const byDate = await app.inject({ url, headers: { 'if-modified-since': before[i]!.headers['last-modified'] as string } })
      t.equal(byDate.statusCode, 304, `${url}: a reader polling by date alone gets a 304 too`)
      const again = await app.inject(url)
      t.equal(again.headers.etag, etag)
      t.equal(again.body, before[i]!.body, `${url}: the same document, byte for byte, as its ETag says`)
    }
  })

  t.test('a change to what a feed shows changes its ETag, however it is made', async (t) => {
    const headers = await authHeaders(database.db)
    const current = await app.inject('/feed.json')
    const archived = await app.inject('/feed.json?archive=1')
    const tagFeed = await app.inject('/tags/data/feed.atom')
    const stale = async (url: string, etag: string) => app.inject({ url, headers: { 'if-none-match': etag } })

    // The oldest post is on archive page 1 only: editing it changes that page, not the subscription feed.
    const oldest = archived.json().items.at(-1) as { id: string; url: string }
    t.notOk(current.json().items.some((i: { id: string }) => i.id === oldest.id), 'the oldest post is not in the subscription feed')
    const edited = await app.inject({ method: 'PATCH', url: `/v1/posts/${oldest.id}`, headers, payload: { title: 'The oldest, retitled' } })
    t.equal(edited.statusCode, 200)
    const page = await stale('/feed.json?archive=1', archived.headers.etag as string)
    t.equal(page.statusCode, 200, 'the archive page that shows it')
    t.not(page.headers.etag, archived.headers.etag)
    t.ok(page.json().items.some((i: { id: string; title: string }) => i.id === oldest.id && i.title === 'The oldest, retitled'))
    t.equal((await stale('/feed.json', current.headers.etag as string)).statusCode, 304, 'the subscription feed, which does not')

    // The channel: the tag's description.
    t.equal((await app.inject({ method: 'PATCH', url: '/v1/tags/data', headers, payload: { description: 'Pipelines, warehouses and the rest' } })).statusCode, 200)
    const described = await stale('/tags/data/feed.atom', tagFeed.headers.etag as string)
    t.equal(described.statusCode, 200, "the tag's feed, whose subtitle it is")
    t.match(described.body, 'Pipelines, warehouses and the rest')

    // An author renamed behind the API's back (no post row touched): the posts that show them.
    const newest = current.json().items[0] as { id: string; authors: { name: string }[] }
    const renamedFrom = newest.authors[0]!.name
    const before = await app.inject('/feed.json')
    await writeBehindApp(app, () => database.db.update(authors).set({ name: `${renamedFrom} (renamed)` }).where(eq(authors.name, renamedFrom)))
    t.teardown(() => database.db.update(authors).set({ name: renamedFrom }).where(eq(authors.name, `${renamedFrom} (renamed)`)))
    const renamed = await stale('/feed.json', before.headers.etag as string)
    t.equal(renamed.statusCode, 200, "the feed showing the author's name")
    t.equal(renamed.json().items[0].authors[0].name, `${renamedFrom} (renamed)`)
  })
})
