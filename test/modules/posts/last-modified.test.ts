import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { build, nextSecondAfter } from '../../helper.js'
import { authHeaders } from '../../support/auth.js'

// A post shows its authors' names and titles and its tags' names: its Last-Modified moves when they change,
// or a client revalidating by date alone (If-Modified-Since) would keep the old ones. Its updatedAt (the post
// was edited) does not: sort=-updatedAt and the feeds' <updated> would re-surface it as edited.
t.test("a post's Last-Modified follows its authors and tags", async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)
  const slug = 'cell-based-architecture-routing-engine'
  const read = async (extra: Record<string, string> = {}) => app.inject({ url: `/v1/posts/${slug}`, headers: extra })
  // Last-Modified counts whole seconds: each change below comes a second after the date it is checked against.
  const nextSecond = () => sleep(1100)

  const every = (await app.inject('/v1/posts?limit=100')).json().data as { slug: string; authors: { slug: string }[] }[]
  const firstDates = new Map<string, string>()
  for (const p of every) firstDates.set(p.slug, (await app.inject(`/v1/posts/${p.slug}`)).headers['last-modified'] as string)
  const before = await read()
  t.equal(before.statusCode, 200)
  const since = before.headers['last-modified'] as string
  t.equal(since, new Date(before.json().data.updatedAt).toUTCString(), 'authors and tags never changed: the post\'s own date')
  t.equal((await read({ 'if-modified-since': since })).statusCode, 304)

  const described = await app.inject({ method: 'PATCH', url: `/v1/tags/${before.json().data.tags[0].slug}`, headers, payload: { description: 'Only the tag page shows this' } })
  t.equal(described.statusCode, 200)
  t.equal((await read({ 'if-modified-since': since })).statusCode, 304, 'a field no post shows: still a 304')

  await nextSecond()
  // Made early in a second, so that the reads below fall in that second.
  while (Date.now() % 1000 > 150) await sleep(5)
  const changedIn = Math.floor(Date.now() / 1000)
  const renamed = await app.inject({ method: 'PATCH', url: '/v1/authors/ada-okafor', headers, payload: { title: 'Chief Architect' } })
  t.equal(renamed.statusCode, 200)
  const after = await read({ 'if-modified-since': since })
  t.equal(after.statusCode, 200, 'If-Modified-Since with the old date: the new title, not a 304')
  t.equal(after.json().data.authors[0].title, 'Chief Architect')
  t.equal(after.json().data.updatedAt, before.json().data.updatedAt, 'the post itself was not edited')
  // A date could name a later change in that second too, and a client revalidating with it would get a 304
  // for what it does not have (RFC 9110 8.8.2.2).
  const inThatSecond = () => Math.floor(Date.now() / 1000) === changedIn
  if (inThatSecond()) t.notOk('last-modified' in after.headers, 'no date while the second of the change runs')
  else t.comment('the read came after the second of the change: its lack of a date not checked')
  const kept = await read()
  if (inThatSecond()) t.notOk('last-modified' in kept.headers, 'nor from the response cache')
  await nextSecondAfter(new Date().toUTCString())
  // The validators noted with the undated 200 answer a conditional GET: now with the date.
  const revalidated = await read({ 'if-none-match': after.headers.etag as string })
  t.equal(revalidated.statusCode, 304)
  const moved = revalidated.headers['last-modified'] as string
  t.ok(Date.parse(moved) > Date.parse(since), `then Last-Modified moved on, on a 304 too (${since} → ${moved})`)
  t.equal((await read()).headers['last-modified'], moved, 'and on a 200 from the response cache')
  t.equal((await read({ 'if-modified-since': moved })).statusCode, 304, 'and revalidates against the new date')

  // A deleted tag leaves no row behind to date: the posts that had it note the change themselves.
  const tagged = before.json().data.tags[0].slug as string
  const had = (await app.inject(`/v1/posts?tag=${tagged}&limit=100`)).json().data.map((p: { slug: string; updatedAt: string }) => [p.slug, p.updatedAt])
  t.ok(had.length > 0)
  await nextSecond()
  const deleted = await app.inject({ method: 'DELETE', url: `/v1/tags/${tagged}`, headers })
  t.equal(deleted.statusCode, 204)
  for (const [each, updatedAt] of had) {
    const res = await app.inject({ url: `/v1/posts/${each}`, headers: { 'if-modified-since': moved } })
    t.equal(res.statusCode, 200, `${each}: not a 304 after losing a tag`)
    t.notOk(res.json().data.tags.some((tag: { slug: string }) => tag.slug === tagged))
    t.equal(res.json().data.updatedAt, updatedAt, `${each}: updatedAt stays (the post was not edited)`)
  }
  const others = every.filter((p) => !had.some(([s]: string[]) => s === p.slug) && !p.authors.some((a) => a.slug === 'ada-okafor'))
  t.ok(others.length > 0)
  for (const p of others) {
    const res = await app.inject({ url: `/v1/posts/${p.slug}`, headers: { 'if-modified-since': firstDates.get(p.slug)! } })
    t.equal(res.statusCode, 304, `${p.slug}: neither its tags nor its authors changed`)
  }
})
