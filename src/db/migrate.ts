import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import type { PgliteDatabase } from 'drizzle-orm/pglite'
import { backfillBodyText, backfillSanitizedHtml } from './backfill.js'
import { rowsOf, type Database } from './client.js'
import { pruneFeedDepartures } from './feed-departures.js'

/** `drizzle/` at the project root, from `src/db` and from `dist/db` alike. */
export const migrationsFolder = fileURLToPath(new URL('../../drizzle/', import.meta.url))

// Any constant works; it only has to be the same in every replica.
export const MIGRATION_LOCK = 7_305_117

/** Applies pending migrations; replicas starting together take turns behind an advisory lock. */
export async function migrate(database: Database): Promise<void> {
  await applyMigrations(database)
  await backfillBodyText(database.db)
  await backfillSanitizedHtml(database.db)
  await pruneFeedDepartures(database.db)
}

async function applyMigrations(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder })
    return
  }
  // The lock is held by one connection, so the migration runs on that same connection: one of its own, with
  // no statement or query timeout, since waiting for another replica's migration, or a migration building an
  // index over a large table, may rightly take longer than any request.
  const client = new pg.Client({ ...database.pool.options, statement_timeout: 0, query_timeout: undefined })
  // A backend lost mid-migration fails the statement it runs, which stops start-up with a message; the
  // client's own 'error' event, unheard, would crash the process with a stack trace instead.
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK])
    await migratePg(drizzle(client), { migrationsFolder })
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {})
    await client.end()
  }
}

interface Journal { entries: { tag: string }[] }

/** How many migrations the code ships, against how many the database has applied. */
export async function pendingMigrations(database: Database): Promise<number> {
  const journal = JSON.parse(readFileSync(`${migrationsFolder}meta/_journal.json`, 'utf8')) as Journal
  try {
    const result = await database.db.execute(sql`select count(*)::int as applied from drizzle.__drizzle_migrations`)
    const applied = rowsOf<{ applied: number }>(result)[0]?.applied ?? 0
    return Math.max(0, journal.entries.length - applied)
  } catch (error) {
    // No migrations table yet (undefined schema or table): everything is pending.
    const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code
    if (code === '3F000' || code === '42P01') return journal.entries.length
    throw error
  }
}
