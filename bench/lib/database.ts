/** The benchmark's PostgreSQL database: where it is, creating it, and what it holds. */
import pg from 'pg'
import { hideCredentials } from '../../src/config.js'
import { createDb, rowsOf, type Database } from '../../src/db/client.js'
import { sql } from 'drizzle-orm'

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/quire_bench'

/** DATABASE_URL, or the default bench database on the local server. Benchmarks measure PostgreSQL only. */
export function benchDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.DATABASE_URL || DEFAULT_DATABASE_URL
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`DATABASE_URL must be a postgres:// URL (got ${hideCredentials(url)})`)
  return url
}

/** Creates the database named in the URL when it does not exist; true when it did not. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1))
  const admin = new URL(url)
  admin.pathname = '/postgres'
  const client = new pg.Client({ connectionString: admin.toString() })
  await client.connect()
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name])
    if (rowCount) return false
    await client.query(`create database "${name.replaceAll('"', '""')}"`)
    return true
  } finally {
    await client.end()
  }
}

export async function openBenchDatabase(url: string, onQuery?: (query: string, params: unknown[]) => void): Promise<Database & { kind: 'postgres' }> {
  const database = await createDb({ databaseUrl: url, dataDir: '', onQuery })
  if (database.kind !== 'postgres') throw new Error('the bench needs PostgreSQL')
  return database
}

export interface ArchiveSize { posts: number; publicPosts: number; tags: number; authors: number; postTags: number }

/** How much content the database holds; undefined when it has no posts table (never migrated). */
export async function archiveSize(database: Database): Promise<ArchiveSize | undefined> {
  const [exists] = rowsOf<{ ok: boolean }>(await database.db.execute(sql`select to_regclass('public.posts') is not null as ok`))
  if (!exists?.ok) return undefined
  const [row] = rowsOf<ArchiveSize>(await database.db.execute(sql`
    select (select count(*) from posts)::int as "posts",
      (select count(*) from posts where status = 'published' and published_at <= now())::int as "publicPosts",
      (select count(*) from tags)::int as "tags", (select count(*) from authors)::int as "authors",
      (select count(*) from post_tags)::int as "postTags"`))
  return row
}
