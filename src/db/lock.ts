import { closeSync, linkSync, openSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'

/** How often the owner of a lock says it still holds it (the lock file's modification time). */
const HEARTBEAT_MS = 2_000
/**
 * A lock not refreshed for this long is its owner's no more, wherever that ran. Long enough for a statement
 * that holds the event loop (PGlite runs in this thread: a migration over a large archive).
 */
export const STALE_AFTER_MS = 30_000

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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Who holds a lock, as its file says: `pid@host namespace` (a bare pid, from before hosts were named). */
function ownerOf(text: string): { pid: number; host: string | undefined; namespace: string | undefined } {
  const [owner = '', namespace] = text.trim().split(' ')
  const [pid, host] = owner.split('@')
  return { pid: Number.parseInt(pid ?? '', 10), host, namespace }
}

/** The file's text, or undefined when there is no file. */
function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Makes the lock file whole in one step (a reader never sees it empty); false if one is there. */
function create(path: string, text: string): boolean {
  const draft = `${path}.${process.pid}.${Date.now()}`
  const fd = openSync(draft, 'wx')
  writeSync(fd, text)
  closeSync(fd)
  try {
    linkSync(draft, path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    rmSync(draft, { force: true })
  }
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
 * The owner refreshes and removes the file only while it is still its own. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'quire.lock')
  const namespace = pidNamespace()
  const self = `${process.pid}@${hostname()} ${namespace}`.trim()
  const ours = () => readIfThere(path) === self
  for (let attempt = 0; attempt < 3; attempt++) {
    if (create(path, self)) {
      held.add(path)
      const heartbeat = setInterval(() => {
        const now = new Date()
        // Taken over (this process was stopped past STALE_AFTER_MS) or removed: not this process's to refresh.
        if (!ours()) return clearInterval(heartbeat)
        utimesSync(path, now, now)
      }, HEARTBEAT_MS).unref()
      return () => {
        clearInterval(heartbeat)
        held.delete(path)
        if (ours()) rmSync(path, { force: true })
      }
    }
    const text = readIfThere(path)
    if (text === undefined) continue
    const refreshedAt = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0
    const owner = ownerOf(text)
    // A bare pid is an older version's lock, which it does not refresh: judged by its pid, as it was then.
    const here = owner.host === undefined || (owner.host === hostname() && (owner.namespace ?? '') === namespace)
    // This process's own pid: its lock (opened twice), or a process's before a reboot that gave it the pid.
    const inUse = here && Number.isInteger(owner.pid)
      ? (owner.pid === process.pid ? held.has(path) : alive(owner.pid))
      : Date.now() - refreshedAt < STALE_AFTER_MS
    if (inUse) {
      const who = `${Number.isInteger(owner.pid) ? `process ${owner.pid}` : 'another process'}${here ? '' : ` on ${owner.host ?? 'another host'}`}`
      throw new Error(`The embedded database in ${dataDir} is in use by ${who}; stop it first (or set DATABASE_URL). ` +
        `A lock left by a process in another container is taken over ${STALE_AFTER_MS / 1000} s after it stopped.`)
    }
    // Taken over: moved aside, so that of two processes taking it over together, one removes the stale lock
    // and not the other's new one. What was moved is put back if it is not the lock judged stale.
    const aside = `${path}.stale.${process.pid}`
    try {
      renameSync(path, aside)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw error
    }
    if (readIfThere(aside) !== text) {
      try {
        linkSync(aside, path)
      } catch {
        // Another lock is there already: that one stands.
      }
    }
    rmSync(aside, { force: true })
  }
  throw new Error(`Could not lock the embedded database in ${dataDir}`)
}
