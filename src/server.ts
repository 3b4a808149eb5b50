import { pino } from 'pino'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'

let config
try {
  config = loadConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`${error.message}\n`)
  process.exit(1)
}

/**
 * Why the service could not start, in a sentence an operator can act on; the error's own code and message
 * follow it in the log line.
 */
function startFailure(error: unknown, port: number): string {
  const codes: string[] = []
  for (let e = error as { code?: unknown; cause?: unknown; errors?: unknown[] } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string') codes.push(e.code)
    for (const inner of e.errors ?? []) if (typeof (inner as { code?: unknown }).code === 'string') codes.push((inner as { code: string }).code)
  }
  const message = error instanceof Error ? error.message : String(error)
  if (codes.includes('EADDRINUSE')) return `port ${port} is in use by another process (set PORT)`
  if (codes.includes('ECONNREFUSED') || codes.includes('ETIMEDOUT') || codes.includes('EHOSTUNREACH')) return 'the database (DATABASE_URL) does not answer'
  if (codes.includes('ENOTFOUND')) return 'a host name (DATABASE_URL or HOST) does not resolve'
  if (codes.includes('3D000')) return 'the database named in DATABASE_URL does not exist'
  if (codes.includes('28P01') || codes.includes('28000')) return 'the database refused the credentials in DATABASE_URL'
  if (/in use by process/.test(message)) return 'the data directory (DATA_DIR) is open in another process'
  return 'an unexpected error'
}

let app: Awaited<ReturnType<typeof buildApp>> | undefined
try {
  app = await buildApp(config)
  await app.listen({ port: config.port, host: config.host })
} catch (error) {
  // One line, in the log's format, rather than a stack trace on stderr.
  const reason = `could not start: ${startFailure(error, config.port)}`
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

