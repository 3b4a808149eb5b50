/** Child processes of a bench run: the server under test and the baseline, each on a free loopback port. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../../', import.meta.url))

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

/**
 * The server as in production, but quiet and without the per-client read limit: every request of a load
 * test comes from one loopback address (a build without rate limits ignores the variable).
 */
export const SERVER_ENV = { HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_READS_PER_MINUTE: '0' }

/** Node's arguments for the server, exactly as `npm start` gives them (heap cap included): what is measured is what runs. */
export function serverArgs(): string[] {
  const { scripts } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: { start: string } }
  const [command, ...args] = scripts.start.split(/\s+/)
  if (command !== 'node') throw new Error(`npm start runs ${command}, not node: the bench cannot start it the same way`)
  return args
}

/** A node process; its stderr goes to ours, so a crash says why. */
export function startNode(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null) process.stderr.write(`node ${args.join(' ')} exited with ${code}\n`)
  })
  return child
}

export async function waitFor(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the process for ${url} exited with ${child.exitCode}`)
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not listening yet
    }
    await sleep(200)
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`)
}

export async function stop(children: ChildProcess[]): Promise<void> {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)))
}

// The unit of /proc's CPU times (USER_HZ): 100 on every mainstream Linux, asked of the system all the same.
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** A process's /proc (Linux) stat fields after the command name (which may hold spaces), from the state on; undefined when it is gone. */
function statOf(pid: number | string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ')
  } catch {
    return undefined
  }
}

// utime and stime (fields 14 and 15 of stat), in seconds.
const cpuSecondsIn = (fields: string[]) => (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS

/** CPU time a process has used so far, user and system, from /proc (Linux), in seconds. */
export function cpuSecondsOf(pid: number): number | undefined {
  const fields = statOf(pid)
  return fields && cpuSecondsIn(fields)
}

/** When a process started, from /proc (Linux): the boot time plus its start in clock ticks after boot, in seconds since the epoch. */
function startedAt(pid: number): number | undefined {
  const fields = statOf(pid)
  const boot = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]
  return fields && boot ? Number(boot) + Number(fields[19]) / CLOCK_TICKS : undefined
}

/**
 * The PostgreSQL server that `backendPid` (a connection's pg_backend_pid()) belongs to, when it runs on this
 * machine: its postmaster's pid, the parent of every one of its processes. The postmaster must have started
 * when the server says it did (`startedAt`, pg_postmaster_start_time(), in seconds): a `postgres` process
 * that has that pid by chance (the server being in a container's own pid namespace, or on another host) is
 * not it. Undefined when none is.
 */
export function localPostmaster(backendPid: number, serverStartedAt: number): number | undefined {
  try {
    if (readFileSync(`/proc/${backendPid}/comm`, 'utf8').trim() !== 'postgres') return undefined
  } catch {
    return undefined
  }
  const parent = Number(statOf(backendPid)?.[1])
  const started = parent > 1 ? startedAt(parent) : undefined
  return started !== undefined && Math.abs(started - serverStartedAt) < 2 ? parent : undefined
}

/**
 * The CPU time each process of a PostgreSQL server (the postmaster and its children: backends, autovacuum,
 * the writers) has used so far, by pid, in seconds: the whole server's, whatever database the work is for.
 * A backend that exits takes its time with it.
 */
export function postgresCpuSeconds(postmaster: number): Map<number, number> {
  const times = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const fields = statOf(entry)
    if (fields && (Number(entry) === postmaster || Number(fields[1]) === postmaster)) times.set(Number(entry), cpuSecondsIn(fields))
  }
  return times
}

/**
 * The CPU time a server's processes used between two readings of postgresCpuSeconds. A process born in
 * between (or under a pid that one gone in between had) counts from zero.
 */
export function cpuSecondsBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0
  for (const [pid, seconds] of after) {
    const earlier = before.get(pid) ?? 0
    total += seconds >= earlier ? seconds - earlier : seconds
  }
  return total
}

/** Resident memory of a process from /proc (Linux): current and peak (VmHWM), in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
    return { rss: kb('VmRSS'), peak: kb('VmHWM') }
  } catch {
    return undefined
  }
}

/**
 * Samples a process's memory every `intervalMs` for the whole run. The kernel's own high-water mark (VmHWM)
 * is the peak; the samples show when it was reached.
 */
export class MemorySampler {
  readonly samples: { at: number; rss: number }[] = []
  private peak = 0
  private readonly timer: NodeJS.Timeout
  private readonly started = Date.now()

  constructor(private readonly pid: number, intervalMs = 250) {
    this.timer = setInterval(() => this.sample(), intervalMs)
    this.timer.unref()
    this.sample()
  }

  sample(): void {
    const memory = memoryOf(this.pid)
    if (!memory) return
    this.samples.push({ at: Date.now() - this.started, rss: memory.rss })
    this.peak = Math.max(this.peak, memory.peak, memory.rss)
  }

  /** Stops sampling (call it while the process still runs: the last reading is taken then). */
  finish(): { peak: number; last: number } {
    this.sample()
    clearInterval(this.timer)
    return { peak: this.peak, last: this.samples.at(-1)?.rss ?? 0 }
  }
}
