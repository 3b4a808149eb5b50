import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { lockDataDir, STALE_AFTER_MS } from '../../src/db/lock.js'

// No process has this pid: it is above the largest Linux gives (2^22).
const NO_SUCH_PID = 4_194_305

function dataDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'quire-lock-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
const lockIn = (dir: string) => join(dir, 'quire.lock')
// This process's pid namespace, as a lock names it ('' where there is none).
const namespace = (() => {
  try {
    return readlinkSync('/proc/self/ns/pid')
  } catch {
    return ''
  }
})()
const ours = `${process.pid}@${hostname()} ${namespace}`.trim()
const aged = (path: string, ms: number) => {
  const then = new Date(Date.now() - ms)
  utimesSync(path, then, then)
}

t.test('a lock names its owner, is refreshed while held, and is gone once released', async (t) => {
  const dir = dataDir(t)
  const release = lockDataDir(dir)
  t.equal(readFileSync(lockIn(dir), 'utf8'), ours)
  aged(lockIn(dir), STALE_AFTER_MS - 1_000)
  await sleep(2_500)
  t.ok(Date.now() - statSync(lockIn(dir)).mtimeMs < 1_000, 'its owner refreshed it')
  t.throws(() => lockDataDir(dir), /in use by process \d+/, 'held: a second opener is refused')
  release()
  t.notOk(existsSync(lockIn(dir)))
  lockDataDir(dir)()
})

t.test('a lock refreshed lately is held, though its owner is no process here: another container sharing the volume', async (t) => {
  const dir = dataDir(t)
  for (const owner of [`${NO_SUCH_PID}@${hostname()} pid:[1]`, `${process.pid}@${hostname()} pid:[1]`, `${process.pid}@another-host`, `1@another-host ${namespace}`]) {
    writeFileSync(lockIn(dir), owner)
    t.throws(() => lockDataDir(dir), /in use by process/, owner)
    t.equal(readFileSync(lockIn(dir), 'utf8'), owner, 'and left as it is')
  }
  writeFileSync(lockIn(dir), '1@another-host')
  t.throws(() => lockDataDir(dir), /in use by process 1 on another-host/, 'the message names the host')
})

t.test('a lock not refreshed for a while is taken over; one of this host and pid namespace, as soon as its process is gone', async (t) => {
  const dir = dataDir(t)
  for (const owner of [`${NO_SUCH_PID}@${hostname()} pid:[1]`, '1@another-host']) {
    writeFileSync(lockIn(dir), owner)
    aged(lockIn(dir), STALE_AFTER_MS + 1_000)
    const release = lockDataDir(dir)
    t.equal(readFileSync(lockIn(dir), 'utf8'), ours, `${owner}: taken over`)
    release()
  }
  // A process here that crashed a moment ago (a restart after it), and an older version's lock (a bare pid).
  for (const owner of [`${NO_SUCH_PID}@${hostname()} ${namespace}`.trim(), `${NO_SUCH_PID}`]) {
    writeFileSync(lockIn(dir), owner)
    const release = lockDataDir(dir)
    t.equal(readFileSync(lockIn(dir), 'utf8'), ours, `${owner}: taken over at once`)
    release()
  }
  // The parent of this process lives here, however old its lock's date.
  for (const owner of [`${process.ppid}@${hostname()} ${namespace}`.trim(), `${process.ppid}`]) {
    writeFileSync(lockIn(dir), owner)
    aged(lockIn(dir), STALE_AFTER_MS * 10)
    t.throws(() => lockDataDir(dir), new RegExp(`in use by process ${process.ppid};`), owner)
  }
})

t.test('an owner whose lock was taken over neither refreshes nor removes the new owner\'s; an empty lock file is held while fresh', async (t) => {
  const dir = dataDir(t)
  const release = lockDataDir(dir)
  // Another container took it over while this process was stopped past STALE_AFTER_MS.
  const other = '1@another-host pid:[1]'
  writeFileSync(lockIn(dir), other)
  aged(lockIn(dir), 5_000)
  await sleep(2_500)
  t.ok(Date.now() - statSync(lockIn(dir)).mtimeMs >= 5_000, 'not refreshed by the old owner')
  release()
  t.equal(readFileSync(lockIn(dir), 'utf8'), other, 'nor removed by it')

  writeFileSync(lockIn(dir), '')
  t.throws(() => lockDataDir(dir), /in use by another process/, 'a lock being written (empty) is held')
  aged(lockIn(dir), STALE_AFTER_MS + 1_000)
  lockDataDir(dir)()
})
