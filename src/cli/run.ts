import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { Config } from '../config.js'
import type { Database } from '../db/client.js'

// The CLIs read their arguments before they load the app's modules (configuration, database, content), which
// takes seconds: `--help` and a usage error answer at once. So what a command needs is imported when it runs.

/** Runs a CLI body against the configured database (migrated first), closing it and reporting errors. */
export async function withDatabase(body: (database: Database, config: Config) => Promise<void>): Promise<void> {
  const [{ ConfigError, loadConfig }, { createDb }, { migrate }, { startFailure }] = await Promise.all([
    import('../config.js'),
    import('../db/client.js'),
    import('../db/migrate.js'),
    import('../lib/start-failure.js'),
  ])
  let database: Database | undefined
  let config: Config | undefined
  try {
    config = loadConfig()
    database = await createDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
    await migrate(database)
    await body(database, config)
  } catch (error) {
    const reason = startFailure(error, { dataDir: config?.dataDir })
    const message = (error as Error).message
    console.error(error instanceof ConfigError ? message : reason ? `error: ${reason} (${message})` : `error: ${message}`)
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
