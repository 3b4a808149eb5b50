import { constants as osConstants } from 'node:os'
import { pino } from 'pino'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { loggedError } from './lib/logged-error.js'
import { startFailure } from './lib/start-failure.js'

let config: Config
try {
  config = loadConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`${error.message}\n`)
  process.exit(1)
}

/** One line, in the log's format, written at once: the process is about to exit. */
function lastWord(level: 'info' | 'fatal', fields: object, message: string): void {
  if (config.logPretty) process.stderr.write(`${message}\n`)
  else pino({ level, serializers: { err: loggedError } }, pino.destination({ dest: 1, sync: true }))[level](fields, message)
}

// Until the server listens (migrations may take minutes, or wait for another replica's), a signal stops the
// start at once, as it would any process that does not handle it. Not so PID 1, as the server is in a
// container: signals it does not handle are ignored, and `docker compose stop` would wait for its SIGKILL.
const stopStarting = (signal: NodeJS.Signals) => {
  lastWord('info', { signal }, `stopped by ${signal} before serving`)
  process.exit(128 + osConstants.signals[signal])
}
process.on('SIGTERM', stopStarting)
process.on('SIGINT', stopStarting)

let app: Awaited<ReturnType<typeof buildApp>> | undefined
try {
  app = await buildApp(config)
  await app.listen({ port: config.port, host: config.host })
} catch (error) {
  // One line, in the log's format, rather than a stack trace on stderr.
  const reason = `could not start: ${startFailure(error, { port: config.port, dataDir: config.dataDir }) ?? 'an unexpected error'}`
  lastWord('fatal', { err: error }, config.logPretty ? `${reason} (${error instanceof Error ? error.message : String(error)})` : reason)
  await app?.close().catch(() => {})
  process.exit(1)
}

let closing = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.off(signal, stopStarting)
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

