/**
 * Why the service (or a CLI) could not start, in a sentence an operator can act on, for the failures an
 * operator meets (the port, the database, the data directory); undefined for any other. The error's own code
 * and message follow it in the log line.
 */
export function startFailure(error: unknown, port?: number): string | undefined {
  const codes: string[] = []
  for (let e = error as { code?: unknown; cause?: unknown; errors?: unknown[] } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string') codes.push(e.code)
    for (const inner of e.errors ?? []) if (typeof (inner as { code?: unknown }).code === 'string') codes.push((inner as { code: string }).code)
  }
  const message = error instanceof Error ? error.message : String(error)
  if (codes.includes('EADDRINUSE')) return `port ${port ?? ''} is in use by another process (set PORT)`
  // pg's connect timeouts carry no code: the server took the connection (or nothing answered) and said nothing.
  const timedOut = /^(timeout expired|timeout exceeded when trying to connect|Connection terminated due to connection timeout)$/.test(message)
  if (codes.includes('ECONNREFUSED') || codes.includes('ETIMEDOUT') || codes.includes('EHOSTUNREACH') || timedOut) return 'the database (DATABASE_URL) does not answer'
  if (codes.includes('ENOTFOUND')) return 'a host name (DATABASE_URL or HOST) does not resolve'
  if (codes.includes('3D000')) return 'the database named in DATABASE_URL does not exist'
  if (codes.includes('28P01') || codes.includes('28000')) return 'the database refused the credentials in DATABASE_URL'
  if (/in use by process/.test(message)) return 'the data directory (DATA_DIR) is open in another process'
  return undefined
}
