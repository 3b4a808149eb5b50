import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import type { Logger as DrizzleLogger } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import { QUERY_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from '../lib/timeouts.js'
import { lockDataDir } from './lock.js'
import * as schema from './schema.js'

export type Schema = typeof schema
/** The database handle every query function takes first; a transaction is one too. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>
export type Executor = Db | Tx

export interface DbOptions {
  databaseUrl: string | undefined
  dataDir: string
  /** Called with every statement sent; tests count queries with it. */
  onQuery?: (query: string, params: unknown[]) => void
  /** PGlite only: start from this dump of a data directory (PGlite's dumpDataDir) instead of an empty one. */
  initialData?: Blob
}

interface DatabaseBase {
  db: Db
  close: () => Promise<void>
}
export type Database =
  | (DatabaseBase & { kind: 'postgres'; pool: pg.Pool })
  | (DatabaseBase & { kind: 'pglite'; client: PGlite })

/**
 * How the pool behaves when PostgreSQL is slow or gone: every wait is bounded, so a request answers 503
 * within seconds instead of hanging for the OS's TCP timeouts (minutes), and the errors plugin can say so.
 */
export const POOL_OPTIONS = {
  max: 10,
  // Connecting (or waiting for a free connection) to an unreachable server fails after 2 s.
  connectionTimeoutMillis: 2_000,
  idleTimeoutMillis: 30_000,
  // Both before the HTTP server gives up on the request (see lib/timeouts.ts).
  statement_timeout: STATEMENT_TIMEOUT_MS,
  query_timeout: QUERY_TIMEOUT_MS,
  // Probes idle connections, so one cut by a firewall or a failover is found and dropped before it is used.
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
} satisfies pg.PoolConfig

/**
 * DATABASE_URL as pg is given it. pg 8 reads sslmode=prefer, require and verify-ca as verify-full (it checks
 * the server's certificate and name) and says so in a multi-line SECURITY WARNING on stderr, ahead of any log
 * line, in every process that connects. Spelled verify-full, the URL means to pg exactly what it meant,
 * without the warning, and goes on meaning it when pg 9 gives those modes libpq's weaker sense (no check of
 * the certificate). A URL that asks for that sense now (uselibpqcompat=true) is left as it is.
 */
export function pgConnectionString(url: string): string {
  if (/[?&]uselibpqcompat=/i.test(url)) return url
  return url.replace(/([?&]sslmode=)(prefer|require|verify-ca)(?=[&#]|$)/g, '$1verify-full')
}

/** PostgreSQL through `pg` when a URL is given, otherwise PGlite persisted under `dataDir`. */
export async function createDb(options: DbOptions): Promise<Database> {
  const logger: DrizzleLogger | undefined = options.onQuery ? { logQuery: options.onQuery } : undefined

  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: pgConnectionString(options.databaseUrl), ...POOL_OPTIONS })
    // A client losing its backend (a restart, a failover, pg_terminate_backend) emits 'error', which would
    // crash the process unheard. The pool listens to its idle clients ('error' below); a checked-out one (in a
    // transaction) has its own listener: the query it runs fails too, and that failure is the request's 503.
    pool.on('error', () => {})
    pool.on('connect', (client) => client.on('error', () => {}))
    const db = drizzlePg(pool, { schema, logger }) as unknown as Db
    return {
      db,
      kind: 'postgres',
      pool,
      close: () => pool.end(),
    }
  }

  const dataDir = options.dataDir
  let unlock = () => {}
  if (!dataDir.startsWith('memory://')) {
    mkdirSync(dataDir, { recursive: true })
    unlock = lockDataDir(dataDir)
  }
  try {
    const client = await PGlite.create(dataDir, options.initialData ? { loadDataDir: options.initialData } : {})
    const db = drizzlePglite(client, { schema, logger }) as unknown as Db
    return {
      db,
      kind: 'pglite',
      client,
      close: async () => {
        try {
          await client.close()
        } finally {
          unlock()
        }
      },
    }
  } catch (error) {
    unlock()
    throw error
  }
}

/** The rows of `db.execute(sql)`, whose result type differs between the two drivers. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows
}
