import { closeSync, openSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'

/** How often the owner of a lock says it still holds it (the lock file's modification time). */
const HEARTBEAT_MS = 2_000
/** A lock not refreshed for this long is its owner's no more, wherever that ran. */
export const STALE_AFTER_MS = 10_000

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The lock files this process holds. */
const held = new Set<string>()

/** This process's pid namespace (Linux: `pid:[4026531836]`), '' where there is none to read. */
function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid')
  } catch {
    return ''
  }
}

/** Who holds a lock, as its file says: `pid@host namespace` (a bare pid, from before hosts were named). */
function ownerOf(text: string): { pid: number; host: string | undefined; namespace: string | undefined } {
  const [owner = '', namespace] = text.trim().split(' ')
  const [pid, host] = owner.split('@')
  return { pid: Number.parseInt(pid ?? '', 10), host, namespace }
}

/**
 * PGlite is a single-process database: a second process opening the same directory would corrupt it. A
 * lock file naming its owner (pid, host and pid namespace) keeps the server and the CLIs from racing, and
 * the owner refreshes it every HEARTBEAT_MS.
 * - An owner that shares this process's host and pid namespace holds it while its process lives: a start
 *   right after a crash takes it over at once.
 * - Any other holds it while it is refreshed: a process in another container sharing the volume sees
 *   neither the owner's pid (another namespace, where it may even be its own) nor its host. One not
 *   refreshed for STALE_AFTER_MS is taken over.
 * Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'quire.lock')
  const namespace = pidNamespace()
  const self = `${process.pid}@${hostname()} ${namespace}`.trim()
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, self)
      closeSync(fd)
      held.add(path)
      const heartbeat = setInterval(() => {
        const now = new Date()
        try {
          utimesSync(path, now, now)
        } catch {
          // Removed from under it (the directory deleted): nothing left to hold.
        }
      }, HEARTBEAT_MS).unref()
      return () => {
        clearInterval(heartbeat)
        held.delete(path)
        rmSync(path, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      let text: string
      let refreshedAt: number
      try {
        text = readFileSync(path, 'utf8')
        refreshedAt = statSync(path).mtimeMs
      } catch (readError) {
        // Released meanwhile: try again.
        if ((readError as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw readError
      }
      const owner = ownerOf(text)
      // A bare pid is an older version's lock, which it does not refresh: judged by its pid, as it was then.
      const here = owner.host === undefined || (owner.host === hostname() && (owner.namespace ?? '') === namespace)
      // This process's own pid: its lock (opened twice), or a process's before a reboot that gave it the pid.
      const inUse = here
        ? Number.isInteger(owner.pid) && (owner.pid === process.pid ? held.has(path) : alive(owner.pid))
        : Date.now() - refreshedAt < STALE_AFTER_MS
      if (inUse) {
        const who = `process ${owner.pid}${here ? '' : ` on ${owner.host}`}`
        throw new Error(`The embedded database in ${dataDir} is in use by ${who}; stop it first (or set DATABASE_URL). ` +
          `A lock left by a process that stopped is taken over ${STALE_AFTER_MS / 1000} s after it stopped.`)
      }
      rmSync(path, { force: true })
    }
  }
  throw new Error(`Could not lock the embedded database in ${dataDir}`)
}
