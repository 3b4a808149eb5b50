import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * PGlite is a single-process database: a second process opening the same directory would corrupt it. A
 * lock file holding the owner's pid keeps the server and the CLIs from racing; a stale one (its process
 * gone) is taken over. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'quire.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => rmSync(path, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number.parseInt(readFileSync(path, 'utf8'), 10)
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new Error(`The embedded database in ${dataDir} is in use by process ${owner}; stop it first (or set DATABASE_URL).`)
      }
      rmSync(path, { force: true })
    }
  }
  throw new Error(`Could not lock the embedded database in ${dataDir}`)
}
