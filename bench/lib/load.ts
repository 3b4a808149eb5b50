/**
 * Bulk loading of a synthetic archive into PostgreSQL, keeping every derived column the write path keeps:
 * bodies go through prepareContent (html, excerpt, word count, reading time, body text), and the search
 * vectors are computed by the database's own trigger in one pass at the end.
 */
import type pg from 'pg'
import { prepareContent } from '../../src/content/prepare.js'
import type { SyntheticArchive, SyntheticPost } from './synthetic.js'

export interface LoadOptions {
  /** Posts per INSERT (one transaction with their links). */
  batchSize?: number
  /** Statements running at once: the machine has two cores, and PostgreSQL needs them too. */
  concurrency?: number
  onProgress?: (message: string) => void
}

export interface LoadTimings { bodiesMs: number; postsMs: number; vacuumMs: number; totalMs: number }

const CONTENT_TABLES = ['authors', 'tags', 'posts', 'post_authors', 'post_tags']
// A staging table of the distinct bodies: posts copy theirs inside the database, so each body crosses the
// wire once rather than once per post, and the body's part of the search vector is computed once per body.
const BODIES = 'bench_seed_bodies'

/**
 * quire_post_rank_vector and quire_post_search_vector (drizzle/0003_search.sql, 0006_rank_vector.sql) spelled
 * out, with the body's part (weight D, the costly one: about 1 ms a post) computed once per distinct body.
 * The trigger cannot do it here: it would read the tag links before they exist, then compute everything
 * again when they are inserted. `verifySearchVectors` compares the result with the database's own functions.
 */
const RANK_VECTOR = `setweight(to_tsvector('english', coalesce(p.title, '')), 'A')
  || setweight(to_tsvector('english', coalesce(b.excerpt, '') || ' ' || coalesce(p.tag_names, '')), 'B')`
const SEARCH_VECTOR = `${RANK_VECTOR} || b.search_body`

/** Runs `tasks` with at most `limit` in flight, starting the next as soon as one finishes. */
async function inParallel<T>(tasks: Iterable<() => Promise<T>>, limit: number): Promise<void> {
  const iterator = tasks[Symbol.iterator]()
  const lane = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) await next.value()
  }
  await Promise.all(Array.from({ length: limit }, lane))
}

function* batches<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = []
  for (const item of items) {
    batch.push(item)
    if (batch.length === size) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

async function insertBatch(pool: pg.Pool, posts: SyntheticPost[], tagNames: Map<string, string>): Promise<void> {
  const col = <K extends keyof SyntheticPost>(key: K) => posts.map((p) => p[key])
  const tags = posts.map((p) => p.tagIds.map((id) => tagNames.get(id)).join(' '))
  const links = (key: 'authorIds' | 'tagIds') => {
    const rows = posts.flatMap((p) => p[key].map((id, position) => [p.id, id, position] as const))
    return [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])]
  }
  const client = await pool.connect()
  try {
    await client.query('begin')
    // A large pending list makes the GIN index take the new entries in big sorted merges rather than small
    // ones. (Commits stay synchronous: vacuum cannot mark pages all-visible behind an unflushed commit.)
    await client.query(`set local gin_pending_list_limit = '64MB'; set local work_mem = '256MB'`)
    await client.query(
      `insert into posts (id, slug, title, excerpt, html, sanitizer_version, markdown, body_text, word_count, reading_time_minutes,
         featured, status, published_at, created_at, updated_at, rank_vector, search_vector)
       select p.id, p.slug, p.title, b.excerpt, b.html, b.sanitizer_version, b.markdown, b.body_text, b.word_count, b.reading_time_minutes,
         p.featured, p.status, p.published_at, p.created_at, p.updated_at,
         ${RANK_VECTOR}, ${SEARCH_VECTOR}
       from unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::boolean[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::text[])
         as p (id, slug, title, body, featured, status, published_at, created_at, updated_at, tag_names)
       join ${BODIES} b on b.i = p.body`,
      [col('id'), col('slug'), col('title'), col('body'), col('featured'), col('status'), col('publishedAt'), col('createdAt'), col('updatedAt'), tags],
    )
    await client.query('insert into post_authors (post_id, author_id, position) select * from unnest($1::uuid[], $2::uuid[], $3::int[])', links('authorIds'))
    await client.query('insert into post_tags (post_id, tag_id, position) select * from unnest($1::uuid[], $2::uuid[], $3::int[])', links('tagIds'))
    await client.query('commit')
  } catch (error) {
    await client.query('rollback').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}

/** Triggers on and no staging table: what a load leaves behind, and what an interrupted one (Ctrl-C) did not. */
export async function restoreAfterInterruptedLoad(pool: pg.Pool): Promise<void> {
  for (const table of CONTENT_TABLES) await pool.query(`alter table ${table} enable trigger user`)
  await pool.query(`drop table if exists ${BODIES}`)
}

/** Loads the archive into an empty, migrated database; returns how long each phase took. */
export async function loadArchive(pool: pg.Pool, archive: SyntheticArchive, options: LoadOptions = {}): Promise<LoadTimings> {
  const { batchSize = 1000, concurrency = 2, onProgress = () => {} } = options
  const started = performance.now()
  const prepared = archive.bodies.map((markdown) => prepareContent({ markdown }))
  const bodiesMs = performance.now() - started
  onProgress(`rendered ${prepared.length} distinct bodies in ${(bodiesMs / 1000).toFixed(1)} s`)

  await pool.query(`drop table if exists ${BODIES}`)
  await pool.query(`create unlogged table ${BODIES} (i int primary key, html text, sanitizer_version smallint, markdown text, body_text text, excerpt text, word_count int,
    reading_time_minutes int, search_body tsvector generated always as (setweight(to_tsvector('english', coalesce(html, '')), 'D')) stored)`)
  // Triggers are off while rows pour in: search vectors are computed in the INSERT, the content version after.
  for (const table of CONTENT_TABLES) await pool.query(`alter table ${table} disable trigger user`)
  let postsMs = 0
  try {
    const fields = ['html', 'sanitizerVersion', 'markdown', 'bodyText', 'excerpt', 'wordCount', 'readingTimeMinutes'] as const
    await inParallel([...batches(prepared.entries(), 100)].map((chunk) => () => pool.query(
      `insert into ${BODIES} (i, html, sanitizer_version, markdown, body_text, excerpt, word_count, reading_time_minutes)
       select * from unnest($1::int[], $2::text[], $3::smallint[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[])`,
      [chunk.map(([i]) => i), ...fields.map((k) => chunk.map(([, c]) => c[k]))],
    )), concurrency)
    const { authors, tags } = archive
    await pool.query('insert into authors (id, slug, name, title, bio) select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])',
      (['id', 'slug', 'name', 'title', 'bio'] as const).map((k) => authors.map((a) => a[k])))
    await pool.query('insert into tags (id, slug, name, description) select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[])',
      (['id', 'slug', 'name', 'description'] as const).map((k) => tags.map((t) => t[k])))

    const postsStarted = performance.now()
    const tagNames = new Map(tags.map((t) => [t.id, t.name]))
    let loaded = 0
    const tasks = function* () {
      for (const batch of batches(archive.posts(), batchSize)) {
        yield async () => {
          await insertBatch(pool, batch, tagNames)
          loaded += batch.length
          if (loaded % 10_000 < batch.length) onProgress(`${loaded} posts`)
        }
      }
    }
    await inParallel(tasks(), concurrency)
    postsMs = performance.now() - postsStarted
  } finally {
    await restoreAfterInterruptedLoad(pool)
  }

  // Triggers were off: advance the content version as any write would, so caches keyed on it see a change.
  await pool.query('update content_state set version = version + 1, changed_at = clock_timestamp() where id = 1')
  const mismatches = await verifySearchVectors(pool)
  if (mismatches > 0) throw new Error(`${mismatches} posts have a search or rank vector other than the database's functions make`)

  // Vacuum sets the visibility map (index-only scans); analyze gives the planner the real statistics.
  const vacuumStarted = performance.now()
  await inParallel(CONTENT_TABLES.map((table) => () => pool.query(`vacuum (analyze) ${table}`)), concurrency)
  const vacuumMs = performance.now() - vacuumStarted
  return { bodiesMs, postsMs, vacuumMs, totalMs: performance.now() - started }
}

/**
 * How many of a sample of posts have a search or rank vector whose lexemes or weights differ from what the
 * database's functions compute. Positions may differ: they join tag names in an order SQL leaves unspecified.
 */
export async function verifySearchVectors(pool: pg.Pool, sample = 500): Promise<number> {
  const lexemes = (v: string) => `array(select (lexeme, weights) from unnest(${v}) order by lexeme)`
  const { rows } = await pool.query<{ n: number }>(`
    select count(*)::int as n from (select * from posts order by md5(id::text) limit $1) p
    where ${lexemes('p.search_vector')} is distinct from ${lexemes('quire_post_search_vector(p.id, p.title, p.excerpt, p.html)')}
       or ${lexemes('p.rank_vector')} is distinct from ${lexemes('quire_post_rank_vector(p.id, p.title, p.excerpt)')}`, [sample])
  return rows[0]!.n
}
