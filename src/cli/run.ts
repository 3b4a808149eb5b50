import { ConfigError, loadConfig, type Config } from '../config.js'
import { createDb, type Database } from '../db/client.js'
import { migrate } from '../db/migrate.js'

/** Runs a CLI body against the configured database (migrated first), closing it and reporting errors. */
export async function withDatabase(body: (database: Database, config: Config) => Promise<void>): Promise<void> {
  let database: Database | undefined
  try {
    const config = loadConfig()
    database = await createDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
    await migrate(database)
    await body(database, config)
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : `error: ${(error as Error).message}`)
    process.exitCode = 1
  } finally {
    await database?.close()
  }
}
