import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { createDb, type Database, type Db } from '../db/client.js'
import { watchContentVersion, type ContentVersion } from '../db/content-version.js'
import { migrate } from '../db/migrate.js'
import { seedDemoArchive } from '../db/seed.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Db
    database: Database
    /** The database's content version, followed by LISTEN (src/db/content-version.ts). */
    contentVersion: ContentVersion
  }
}

export interface DbPluginOptions {
  config: Config
  /** A database opened by the caller (tests); the app then neither migrates nor closes it. */
  database?: Database
}

/**
 * Opens the database (PostgreSQL or embedded PGlite), applies migrations, loads the demo archive into an
 * empty database when SEED_DEMO says so, follows its content version, and closes it with the app.
 */
export const dbPlugin = fp<DbPluginOptions>(
  async (app, { config, database: given }) => {
    const database = given ?? (await createDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }))
    if (!given) {
      try {
        // Said before and after: the backfills after the migrations can take minutes, once (see the README).
        const started = Date.now()
        app.log.info({ database: database.kind }, 'migrating the database')
        await migrate(database)
        app.log.info({ ms: Date.now() - started }, 'the database is migrated')
        const seed = config.seedDemo === 'if-empty' || (config.seedDemo === 'auto' && database.kind === 'pglite')
        const seeded = seed ? await seedDemoArchive(database.db) : undefined
        if (seeded && 'posts' in seeded) app.log.info({ posts: seeded.posts, database: database.kind }, 'loaded the demo archive into the empty database')
      } catch (error) {
        await database.close()
        throw error
      }
    }
    const contentVersion = await watchContentVersion(database, app.log)
    app.addHook('onClose', async () => {
      await contentVersion.close()
      if (!given) await database.close()
    })
    app.decorate<Database>('database', database)
    app.decorate('db', database.db)
    app.decorate('contentVersion', contentVersion)
  },
  { name: 'db' },
)
