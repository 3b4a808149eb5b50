import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { build } from '../../helper.js'
import { authHeaders } from '../../support/auth.js'

// A post shows its authors' names and titles and its tags' names: its Last-Modified moves when they change,
// or a client revalidating by date alone (If-Modified-Since) would keep the old ones.
t.test("a post's Last-Modified follows its authors and tags", async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)
  const slug = 'cell-based-architecture-routing-engine'
  const read = async (extra: Record<string, string> = {}) => app.inject({ url: `/v1/posts/${slug}`, headers: extra })

  const before = await read()
  t.equal(before.statusCode, 200)
  const since = before.headers['last-modified'] as string
  t.equal(since, new Date(before.json().data.updatedAt).toUTCString(), 'authors and tags never edited: the post\'s own date')
  t.equal((await read({ 'if-modified-since': since })).statusCode, 304)

  const renamed = await app.inject({ method: 'PATCH', url: '/v1/authors/ada-okafor', headers, payload: { title: 'Chief Architect' } })
  t.equal(renamed.statusCode, 200)
  const after = await read({ 'if-modified-since': since })
  t.equal(after.statusCode, 200, 'If-Modified-Since with the old date: the new title, not a 304')
  t.equal(after.json().data.authors[0].title, 'Chief Architect')
  const moved = after.headers['last-modified'] as string
  t.ok(Date.parse(moved) > Date.parse(since), `Last-Modified moved on (${since} → ${moved})`)
  t.equal(after.json().data.updatedAt, before.json().data.updatedAt, 'the post itself was not edited')
  t.equal((await read({ 'if-modified-since': moved })).statusCode, 304, 'and revalidates against the new date')

  // A deleted tag leaves no date behind: the posts that had it are updated, as if edited to drop it. (A
  // second later: Last-Modified counts whole seconds.)
  await sleep(1100)
  const tagged = before.json().data.tags[0].slug as string
  const other = (await app.inject(`/v1/posts?tag=${tagged}&limit=100`)).json().data.map((p: { slug: string; updatedAt: string }) => [p.slug, p.updatedAt])
  t.ok(other.length > 0)
  const deleted = await app.inject({ method: 'DELETE', url: `/v1/tags/${tagged}`, headers })
  t.equal(deleted.statusCode, 204)
  for (const [each, updatedAt] of other) {
    const res = await app.inject({ url: `/v1/posts/${each}`, headers: { 'if-modified-since': moved } })
    t.equal(res.statusCode, 200, `${each}: not a 304 after losing a tag`)
    t.notOk(res.json().data.tags.some((tag: { slug: string }) => tag.slug === tagged))
    t.ok(Date.parse(res.json().data.updatedAt) > Date.parse(updatedAt), `${each}: updatedAt moved on`)
  }
  const untouched = (await app.inject('/v1/posts?limit=100')).json().data.filter((p: { slug: string }) => !other.some(([s]: string[]) => s === p.slug))
  t.ok(untouched.length > 0)
  for (const p of untouched) t.ok(Date.parse(p.updatedAt) < Date.parse(moved) + 1000 && Date.parse(p.updatedAt) < Date.now() - 60_000, `${p.slug}: not touched`)
})
