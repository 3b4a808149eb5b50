import { closeSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs'
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

/** Who holds a lock, as its file says: `pid@host` (a bare pid, from before hosts were named). */
function ownerOf(text: string): { pid: number; host: string | undefined } {
  const [pid, host] = text.trim().split('@')
  return { pid: Number.parseInt(pid ?? '', 10), host }
}

/**
 * PGlite is a single-process database: a second process opening the same directory would corrupt it. A
 * lock file naming its owner (pid and host) keeps the server and the CLIs from racing, and the owner
 * refreshes it every HEARTBEAT_MS. It is held while refreshed, whoever reads it: a process in another
 * container sharing the volume sees neither the owner's pid (another pid namespace, where it may even be
 * its own) nor its host. One not refreshed for STALE_AFTER_MS is taken over, unless its owner runs on this
 * host (its process alive): a start right after a crash waits that long. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'quire.lock')
  const self = `${process.pid}@${hostname()}`
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, self)
      closeSync(fd)
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
      const here = owner.host === undefined || owner.host === hostname()
      const fresh = Date.now() - refreshedAt < STALE_AFTER_MS
      const living = here && Number.isInteger(owner.pid) && owner.pid !== process.pid && alive(owner.pid)
      if (living || fresh) {
        const who = `process ${owner.pid}${here ? '' : ` on ${owner.host}`}`
        throw new Error(`The embedded database in ${dataDir} is in use by ${who}; stop it first (or set DATABASE_URL). ` +
          `A lock left by a process that stopped is taken over ${STALE_AFTER_MS / 1000} s after it stopped.`)
      }
      rmSync(path, { force: true })
    }
  }
  throw new Error(`Could not lock the embedded database in ${dataDir}`)
}
