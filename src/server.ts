import { pino } from 'pino'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { startFailure } from './lib/start-failure.js'

let config
try {
  config = loadConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`${error.message}\n`)
  process.exit(1)
}

let app: Awaited<ReturnType<typeof buildApp>> | undefined
try {
  app = await buildApp(config)
  await app.listen({ port: config.port, host: config.host })
} catch (error) {
  // One line, in the log's format, rather than a stack trace on stderr.
  const reason = `could not start: ${startFailure(error, { port: config.port, dataDir: config.dataDir }) ?? 'an unexpected error'}`
  if (config.logPretty) process.stderr.write(`${reason} (${error instanceof Error ? error.message : String(error)})\n`)
  else pino({ level: 'fatal' }, pino.destination({ dest: 1, sync: true })).fatal({ err: error }, reason)
  await app?.close().catch(() => {})
  process.exit(1)
}

let closing = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    // A second signal means "now": skip the graceful path.
    if (closing) process.exit(1)
    closing = true
    app.log.info({ signal }, 'shutting down: finishing in-flight requests')
    app.close().then(
      () => {
        app.log.info('closed: requests finished, database closed')
        process.exit(0)
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'error while shutting down')
        process.exit(1)
      },
    )
  })
}

