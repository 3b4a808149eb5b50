import { resolve, sep } from 'node:path'

/** What start-up was given that a failure may be about: which port, which data directory. */
export interface StartContext {
  port?: number
  /** DATA_DIR: a file system error on it, or on a file in it, is about that variable. */
  dataDir?: string
}

type Failure = Error & { code?: unknown; syscall?: unknown; path?: unknown; address?: unknown; cause?: unknown; errors?: unknown[] }

/** The error, the errors it was caused by, and those an AggregateError holds (a host's every address failed). */
function chain(error: unknown): Failure[] {
  const found: Failure[] = []
  for (let e = error as Failure | undefined; e && typeof e === 'object'; e = e.cause as Failure | undefined) {
    found.push(e, ...((e.errors ?? []).filter((inner) => inner && typeof inner === 'object') as Failure[]))
  }
  return found
}

/** Whether a file system error's path (as given: Node does not resolve it) is the data directory or below it (its lock file). */
function aboutDataDir(e: Failure, dataDir: string | undefined): boolean {
  if (dataDir === undefined || dataDir.startsWith('memory://') || typeof e.path !== 'string' || typeof e.syscall !== 'string') return false
  const [path, dir] = [resolve(e.path), resolve(dataDir)]
  return path === dir || path.startsWith(dir + sep)
}

/**
 * Why the service (or a CLI) could not start, in a sentence an operator can act on, naming the variable to
 * change, for the failures an operator meets (the port, the address, the database, the data directory);
 * undefined for any other. The error's own code and message follow it in the log line.
 */
export function startFailure(error: unknown, { port, dataDir }: StartContext = {}): string | undefined {
  const errors = chain(error)
  const codes = errors.flatMap((e) => (typeof e.code === 'string' ? [e.code] : []))
  const message = error instanceof Error ? error.message : String(error)
  if (codes.includes('EADDRINUSE')) return `port ${port ?? ''} is in use by another process (set PORT)`
  const listen = errors.find((e) => e.syscall === 'listen')
  if (listen?.code === 'EADDRNOTAVAIL') return `HOST ${String(listen.address ?? '')} is not an address of this machine (set HOST to one of its addresses, 127.0.0.1, or 0.0.0.0 for all)`
  if (listen?.code === 'EACCES') return `port ${port ?? ''} needs privileges this process does not have (set PORT to 1024 or above)`
  const dataDirError = errors.find((e) => aboutDataDir(e, dataDir))
  if (dataDirError?.code === 'EEXIST' || dataDirError?.code === 'ENOTDIR') return 'the data directory (DATA_DIR) is not a directory: a file is in its place or on its path'
  if (dataDirError?.code === 'EACCES' || dataDirError?.code === 'EPERM' || dataDirError?.code === 'EROFS') {
    return 'the data directory (DATA_DIR) cannot be written by this process (its permissions, or a read-only file system)'
  }
  // pg's connect timeouts carry no code: the server took the connection (or nothing answered) and said nothing.
  const timedOut = /^(timeout expired|timeout exceeded when trying to connect|Connection terminated due to connection timeout)$/.test(message)
  if (codes.includes('ECONNREFUSED') || codes.includes('ETIMEDOUT') || codes.includes('EHOSTUNREACH') || timedOut) return 'the database (DATABASE_URL) does not answer'
  // pg-connection-string's, decoding a user or password with a % before two hex digits that decode to no text.
  if (errors.some((e) => e instanceof URIError)) return 'a user or password in DATABASE_URL is not percent-encoded: write % as %25 (or give the password in PGPASSWORD)'
  // pg's, when what listens at the address closed the connection without a word (not PostgreSQL, a pooler that is full).
  if (errors.some((e) => e.message === 'Connection terminated unexpectedly') || codes.includes('ECONNRESET')) {
    return 'the server at DATABASE_URL closed the connection: is it PostgreSQL, and does it take connections?'
  }
  // pg's answer (no code) when the URL asks for SSL (sslmode, ssl=true) and the server said it has none.
  if (errors.some((e) => e.message === 'The server does not support SSL connections')) {
    return 'the database server does not take SSL connections, but DATABASE_URL asks for SSL (sslmode or ssl): drop it, or turn SSL on in the server'
  }
  if (codes.includes('ENOTFOUND')) return 'a host name (DATABASE_URL or HOST) does not resolve'
  if (codes.includes('3D000')) return 'the database named in DATABASE_URL does not exist'
  if (codes.includes('28P01') || codes.includes('28000')) return 'the database refused the credentials in DATABASE_URL'
  if (/in use by process/.test(message)) return 'the data directory (DATA_DIR) is open in another process'
  return undefined
}
