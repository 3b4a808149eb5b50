import t, { type Test } from 'tap'
import { eq, sql } from 'drizzle-orm'
import pg from 'pg'
import { rowsOf } from '../../src/db/client.js'
import { posts, postTags, tags } from '../../src/db/schema.js'
import { WRITE_ATTEMPTS, writeTransaction } from '../../src/db/transaction.js'
import { build, testDatabase } from '../helper.js'
import { authHeaders } from '../support/auth.js'

const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' })

t.test('writeTransaction runs a write again after a deadlock or a serialization failure, and after nothing else', async (t) => {
  const { db } = await testDatabase(t, { seed: false })
  const tagsNamed = async (name: string) => (await db.select().from(tags).where(eq(tags.name, name))).length

  let attempts = 0
  const id = await writeTransaction(db, async (tx) => {
    attempts++
    const [row] = await tx.insert(tags).values({ name: 'Once', slug: `once-${attempts}` }).returning({ id: tags.id })
    // Wrapped, as drizzle wraps the driver's errors: the code is found on the cause.
    if (attempts === 1) throw new Error('Failed query', { cause: deadlock() })
    return row!.id
  })
  t.equal(attempts, 2, 'run again once')
  t.equal(await tagsNamed('Once'), 1, 'the first attempt was rolled back: one row')
  t.equal((await db.select().from(tags).where(eq(tags.id, id)))[0]?.slug, 'once-2')

  attempts = 0
  const always = writeTransaction(db, async (tx) => {
    attempts++
    await tx.insert(tags).values({ name: 'Never', slug: `never-${attempts}` })
    throw Object.assign(new Error('could not serialize access'), { code: '40001' })
  })
  await t.rejects(always, { code: 'QUIRE_WRITE_CONFLICT', statusCode: 503, cause: { code: '40001' } }, 'the last conflict is thrown, as a 503')
  t.equal(attempts, WRITE_ATTEMPTS)
  t.equal(await tagsNamed('Never'), 0, 'nothing stored')

  attempts = 0
  const taken = writeTransaction(db, async () => {
    attempts++
    throw Object.assign(new Error('duplicate key'), { code: '23505' })
  })
  await t.rejects(taken, { code: '23505' })
  t.equal(attempts, 1, 'any other error is not retried')
})

t.test('the write API: a write rolled back for a deadlock is run again; one that keeps colliding is a 503 that stores nothing', async (t) => {
  const { app, database } = await build(t)
  const { db } = database
  const headers = await authHeaders(db)
  // Every update of a tag fails as a deadlock would, up to the attempt numbered conflicts.until_. A sequence
  // numbers the attempts: nextval is not rolled back with them.
  for (const statement of [
    'create table conflicts (until_ integer not null)',
    'insert into conflicts values (0)',
    'create sequence tag_update_attempts',
    `create function collide() returns trigger language plpgsql as $$
    begin
      if nextval('tag_update_attempts') <= (select until_ from conflicts) then
        raise exception 'deadlock detected (by the test)' using errcode = 'deadlock_detected';
      end if;
      return new;
    end $$`,
    'create trigger collide before update on tags for each row execute function collide()',
  ]) await db.execute(sql.raw(statement))
  const attempts = async () => Number(rowsOf<{ n: string }>(await db.execute(sql`select case when is_called then last_value else 0 end as n from tag_update_attempts`))[0]!.n)
  const collideUntil = async (attempt: number) => {
    await db.execute(sql`alter sequence tag_update_attempts restart`)
    await db.execute(sql`update conflicts set until_ = ${attempt}`)
  }

  await collideUntil(1)
  const once = await app.inject({ method: 'PATCH', url: '/v1/tags/testing', headers, payload: { description: 'Written on the second attempt' } })
  t.equal(once.statusCode, 200, 'one deadlock: the write is run again and succeeds')
  t.equal(once.json().data.description, 'Written on the second attempt')
  t.equal(await attempts(), 2)

  await collideUntil(100)
  const before = (await db.select().from(tags).where(eq(tags.slug, 'testing')))[0]!
  const again = await app.inject({ method: 'PATCH', url: '/v1/tags/testing', headers, payload: { description: 'Never written' } })
  t.equal(again.statusCode, 503, 'a write that keeps colliding')
  t.match(again.headers['content-type'], /^application\/problem\+json/)
  t.equal(again.headers['retry-after'], '1')
  t.match(again.json(), { type: '/problems/write-conflict', title: 'Service unavailable', status: 503, instance: '/v1/tags/testing', requestId: String })
  t.notMatch(again.json().detail, /deadlock detected \(by the test\)/, "the database's message stays in the log")
  t.equal(await attempts(), WRITE_ATTEMPTS, 'run WRITE_ATTEMPTS times')
  t.same((await db.select().from(tags).where(eq(tags.slug, 'testing')))[0], before, 'the tag is as it was')
  t.equal((await app.inject('/v1/tags/testing')).json().data.description, before.description)
})

const adminUrl = process.env.TEST_DATABASE_URL

/** A writer of its own on the test database (PostgreSQL), and how many of the database's other sessions wait for a lock. */
async function otherWriter(t: Test, database: object) {
  const other = new pg.Client({ connectionString: (database as { url?: string }).url! })
  await other.connect()
  t.teardown(() => other.end())
  const waiting = async () => Number((await other.query<{ n: string }>(
    `select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'`)).rows[0]!.n)
  return { other, waiting }
}

t.test('a tag renamed while a post that has it is being written: neither waits for the other in a cycle', { skip: adminUrl ? false : 'needs a real PostgreSQL (PGlite runs one statement at a time): set TEST_DATABASE_URL' }, async (t) => {
  const { app, database } = await build(t)
  const { db } = database
  const headers = await authHeaders(db)
  const [tag] = await db.select().from(tags).where(eq(tags.slug, 'testing'))
  const [link] = await db.select({ postId: postTags.postId }).from(postTags).where(eq(postTags.tagId, tag!.id)).limit(1)
  const postId = link!.postId

  // A writer of its own, as a post's PATCH locks: the post first, then (adding a tag) the tag, as its foreign
  // key does (KEY SHARE).
  const { other, waiting } = await otherWriter(t, database)
  await other.query('begin')
  await other.query('select 1 from posts where id = $1 for update', [postId])

  // The rename (a new name and slug) locks the tag, then waits for the post, whose representation it changes.
  const rename = app.inject({ method: 'PATCH', url: `/v1/tags/${tag!.id}`, headers, payload: { name: 'Renamed under load', slug: 'renamed-under-load' } })
  for (let i = 0; i < 500 && (await waiting()) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(await waiting(), 1, 'the rename waits for the post')

  // Now the other writer links the tag, and changes the post (advancing the content version). Were the rename
  // holding the tag FOR UPDATE, or the content version's row (it has recorded the old slug), each would wait
  // for the other: a deadlock, which PostgreSQL breaks after a second by rolling one back. Here this writer
  // would wait past its lock_timeout and fail. The rename holds the tag as FOR NO KEY UPDATE, which a foreign
  // key's KEY SHARE passes, and advances the version only as it commits.
  await other.query(`set local lock_timeout = '500ms'`)
  await t.resolves(other.query('select 1 from tags where id = $1 for key share', [tag!.id]), "the post's writer gets the tag at once")
  await t.resolves(other.query('update posts set featured = not featured where id = $1', [postId]), 'and changes the post at once')
  await other.query('commit')

  const res = await rename
  t.equal(res.statusCode, 200, 'the rename succeeds')
  t.match(res.json().data, { name: 'Renamed under load', slug: 'renamed-under-load' })
  const [stored] = await db.select({ name: tags.name }).from(tags).where(eq(tags.id, tag!.id))
  t.equal(stored!.name, 'Renamed under load')
  const [post] = await db.select({ linksChangedAt: posts.linksChangedAt }).from(posts).where(eq(posts.id, postId))
  t.ok(post!.linksChangedAt, "the post's Last-Modified follows the rename")
  const shown = await app.inject('/v1/posts?tag=renamed-under-load&limit=50')
  t.ok(shown.json().data.some((p: { id: string; tags: { name: string }[] }) => p.id === postId && p.tags.some((x) => x.name === 'Renamed under load')),
    'the post shows the new name')
})

t.test("a post's edit that waited for another writer is dated after the wait, not when it began", { skip: adminUrl ? false : 'needs a real PostgreSQL (PGlite runs one statement at a time): set TEST_DATABASE_URL' }, async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)
  const [post] = await database.db.select({ id: posts.id }).from(posts).where(eq(posts.slug, 'slos-for-internal-platforms'))

  // Another writer holds the post: the edit begins, then waits.
  const { other } = await otherWriter(t, database)
  await other.query('begin')
  await other.query('select 1 from posts where id = $1 for update', [post!.id])
  const began = Date.now()
  const edit = app.inject({ method: 'PATCH', url: `/v1/posts/${post!.id}`, headers, payload: { featured: true } })
  await new Promise((resolve) => setTimeout(resolve, 1200))
  const released = Date.now()
  // Dated when it began (the transaction's now()), the edit would name a moment a second before it became
  // visible: a client may have read the post, dated by a change made during the wait, and revalidating with
  // that date would get a 304 for this edit.
  await other.query('commit')
  const res = await edit
  t.equal(res.statusCode, 200)
  const updatedAt = Date.parse(res.json().data.updatedAt)
  t.ok(updatedAt >= released - 5, `dated after the wait (began ${new Date(began).toISOString()}, released ${new Date(released).toISOString()}, dated ${new Date(updatedAt).toISOString()})`)
})

t.test("a tag's edit that waited for another writer is dated after the wait too (its If-Unmodified-Since compares with that date)", { skip: adminUrl ? false : 'needs a real PostgreSQL (PGlite runs one statement at a time): set TEST_DATABASE_URL' }, async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)
  const { other } = await otherWriter(t, database)
  await other.query('begin')
  await other.query(`select 1 from tags where slug = 'culture' for update`)
  const edit = app.inject({ method: 'PATCH', url: '/v1/tags/culture', headers, payload: { description: 'People first.' } })
  await new Promise((resolve) => setTimeout(resolve, 1200))
  const released = Date.now()
  await other.query('commit')
  t.equal((await edit).statusCode, 200)
  const [tag] = await database.db.select({ updatedAt: tags.updatedAt }).from(tags).where(eq(tags.slug, 'culture'))
  t.ok(tag!.updatedAt.getTime() >= released - 5, `dated after the wait (released ${new Date(released).toISOString()}, dated ${tag!.updatedAt.toISOString()})`)
})

t.test('a write that committed is answered with what it stored, even when no connection is free after the commit', { skip: adminUrl ? false : 'needs a real PostgreSQL (PGlite has no pool of connections): set TEST_DATABASE_URL' }, async (t) => {
  const { app, database } = await build(t, { env: { RATE_LIMIT_WRITES_PER_MINUTE: '0' } })
  if (database.kind !== 'postgres') throw new Error('expected PostgreSQL')
  const headers = await authHeaders(database.db)
  const { pool } = database
  // From the first COMMIT on, the pool gives no connection, as when other requests hold them all: pg-pool's
  // own error after its wait. Each write below runs its transaction, then finds the pool so.
  let committed = false
  const connect = pool.connect.bind(pool) as (callback?: (...args: unknown[]) => void) => unknown
  const exhausted = () => new Error('timeout exceeded when trying to connect')
  ;(pool as { connect: unknown }).connect = (callback?: (error: Error | undefined, client?: pg.PoolClient, done?: () => void) => void) => {
    const noteCommits = (client: pg.PoolClient) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown
      client.query = ((...args: unknown[]) => {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text
        if (/^\s*commit\b/i.test(text ?? '')) committed = true
        return query(...args)
      }) as typeof client.query
      return client
    }
    if (callback) {
      if (committed) return void setImmediate(() => callback(exhausted()))
      return void connect((error: unknown, client: unknown, done: unknown) => callback(error as Error | undefined, client ? noteCommits(client as pg.PoolClient) : undefined, done as () => void))
    }
    if (committed) return Promise.reject(exhausted())
    return (connect() as Promise<pg.PoolClient>).then(noteCommits)
  }
  const writes: [string, string, Record<string, unknown>, number][] = [
    ['POST', '/v1/tags', { name: 'Committed at last' }, 201],
    ['PATCH', '/v1/tags/committed-at-last', { description: 'And edited' }, 200],
    ['POST', '/v1/posts', { title: 'Written under load', markdown: 'Stored.', authors: ['ada-okafor'], tags: ['committed-at-last'], status: 'published' }, 201],
  ]
  for (const [method, url, payload, status] of writes) {
    committed = false
    const res = await app.inject({ method: method as 'POST', url, headers, payload })
    t.ok(committed, `${method} ${url}: the pool had nothing to give after the commit`)
    t.equal(res.statusCode, status, `${method} ${url}: ${res.body.slice(0, 200)}`)
    t.match(res.json().data, payload.title ? { title: payload.title } : payload.description ? { description: payload.description } : { name: payload.name })
  }
  committed = false
  pool.connect = connect as typeof pool.connect
  t.match((await app.inject('/v1/posts/written-under-load')).json().data, { title: 'Written under load', tags: [{ slug: 'committed-at-last' }] }, 'the writes were stored')
})

t.test('posts sharing tags leave their feeds at once, in any order: noting a departure waits for no other writer', { skip: adminUrl ? false : 'needs a real PostgreSQL (PGlite runs one statement at a time): set TEST_DATABASE_URL' }, async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)
  const url = (database as { url?: string }).url!
  const ids: string[] = []
  for (const title of ['Shared one', 'Shared two']) {
    const res = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title, markdown: 'Both tags.', authors: ['ada-okafor'], tags: ['first-shared', 'second-shared'], status: 'published' } })
    ids.push(res.json().data.id)
  }
  const tagId = async (slug: string) => (await database.db.select({ id: tags.id }).from(tags).where(eq(tags.slug, slug)))[0]!.id
  const [first, second] = [await tagId('first-shared'), await tagId('second-shared')]
  const writers = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })]
  for (const writer of writers) {
    await writer.connect()
    t.teardown(() => writer.end())
    await writer.query('begin')
    await writer.query(`set local lock_timeout = '500ms'`)
  }
  const [a, b] = writers as [pg.Client, pg.Client]
  // Each takes one tag off its post, then unpublishes it, noting the other tag: in opposite orders.
  await t.resolves(a.query('delete from post_tags where post_id = $1 and tag_id = $2', [ids[0], second]), 'a tag off the first post')
  await t.resolves(b.query('delete from post_tags where post_id = $1 and tag_id = $2', [ids[1], first]), 'the other tag off the second')
  await t.resolves(a.query(`update posts set status = 'draft' where id = $1`, [ids[0]]), 'the first unpublished at once')
  await t.resolves(b.query(`update posts set status = 'draft' where id = $1`, [ids[1]]), 'the second too')
  await a.query('commit')
  await b.query('commit')
  const noted = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from feed_departures where kind = 'tag' and target_id in (${first}, ${second})`))
  t.equal(noted[0]?.n, 4, 'each departure noted')
})

t.test('a post written with a tag or author another writer is deleting: the tag is made again, the author is unknown; never "in use"', { skip: adminUrl ? false : 'needs a real PostgreSQL (PGlite runs one statement at a time): set TEST_DATABASE_URL' }, async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)
  const { other, waiting } = await otherWriter(t, database)
  /** Sends `payload` while `other` deletes what `deleting` selects, and commits that once the write waits for it. */
  const writeDuring = async (deleting: string, payload: object) => {
    await other.query('begin')
    await other.query(deleting)
    const write = app.inject({ method: 'POST', url: '/v1/posts', headers, payload })
    for (let i = 0; i < 500 && (await waiting()) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    t.equal(await waiting(), 1, 'the write waits for the delete')
    await other.query('commit')
    return write
  }

  const created = await app.inject({ method: 'POST', url: '/v1/tags', headers, payload: { name: 'Short lived' } })
  t.equal(created.statusCode, 201)
  const tagged = await writeDuring(`delete from tags where slug = 'short-lived'`, { title: 'Racing a delete', markdown: 'x', authors: ['ada-okafor'], tags: ['short-lived'] })
  t.equal(tagged.statusCode, 201, 'the post is written')
  t.same(tagged.json().data.tags.map((tag: { slug: string }) => tag.slug), ['short-lived'], 'with the tag, made again as any unknown one')
  const [remade] = await database.db.select({ id: tags.id }).from(tags).where(eq(tags.slug, 'short-lived'))
  t.ok(remade && remade.id !== created.json().data.id, 'a new tag')

  t.equal((await app.inject({ method: 'POST', url: '/v1/authors', headers, payload: { name: 'Leaving Soon' } })).statusCode, 201)
  const authored = await writeDuring(`delete from authors where slug = 'leaving-soon'`, { title: 'Racing a goodbye', markdown: 'x', authors: ['leaving-soon'] })
  t.equal(authored.statusCode, 400, 'an author deleted meanwhile is no author')
  t.same(authored.json().errors, [{ in: 'body', name: '/authors/0', message: 'is "leaving-soon", which is no author\'s slug' }])
  t.equal((await database.db.select().from(posts).where(eq(posts.slug, 'racing-a-goodbye'))).length, 0, 'nothing stored')
})
