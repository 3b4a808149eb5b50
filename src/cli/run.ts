import { parseArgs, type ParseArgsConfig } from 'node:util'
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

type Options = NonNullable<ParseArgsConfig['options']>

/**
 * A CLI's arguments, or undefined when they were answered here: `--help` (or `-h`) prints the usage and exits
 * 0; an unknown option, or arguments where the command takes none, print the usage and exit 2. Never a stack
 * trace, and never a command run that was only asked about.
 */
export function cliArgs<O extends Options>(usage: string, options: O, allowPositionals = false) {
  try {
    const parsed = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true })
    if ((parsed.values as { help?: boolean }).help) {
      console.log(usage)
      return undefined
    }
    return parsed
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`)
    process.exitCode = 2
    return undefined
  }
}
