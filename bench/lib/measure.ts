/**
 * One scenario under load: autocannon drives `connections` keep-alive connections for `duration` seconds
 * after a warm-up, over paths drawn at random (seeded) from the scenario's pool. Latencies are taken from
 * autocannon's per-response event, in fractions of a millisecond: its own histogram keeps whole milliseconds,
 * too coarse for sub-millisecond responses.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import { cpuSecondsBetween, cpuSecondsOf, postgresCpuSeconds } from './processes.js'
import { prng } from './words.js'

export interface Scenario {
  name: string
  /** Scheme, host and port. */
  origin: string
  /** One path, or a pool to draw from for each request. */
  paths: string[]
  headers?: Record<string, string>
  /** The status every response should have. */
  expect: number
  /** Run beside the load, one at a time, every `everyMs` (a write another replica makes, say), warm-up included. */
  beside?: { everyMs: number; run: () => Promise<unknown> }
}

export interface LoadOptions { duration: number; connections: number; warmup: number }

export interface Measurement {
  name: string
  path: string
  distinctPaths: number
  /** Responses with the expected status. */
  requests: number
  rps: number
  p50: number
  p90: number
  mean: number
  p99: number
  max: number
  /** Responses by status code. */
  statuses: Record<string, number>
  /** Responses with another status than expected, plus connection errors and timeouts (none of them in req/s or latencies). */
  failures: number
  bytesPerSecond: number
  /**
   * CPU time the answering Node process spent per response during the measurement, in microseconds: what a
   * request costs the server whatever the load generator, which shares the machine, leaves it. PostgreSQL's
   * own work is in other processes and not counted.
   */
  cpuPerRequestUs?: number
  /**
   * CPU time the PostgreSQL server's processes spent per response during the measurement, in microseconds,
   * when the server runs on this machine (see postgresCpuSeconds).
   */
  databaseCpuPerRequestUs?: number
  /** Req/s of each turn, when measured by turns with others (measureAlternating). */
  runs?: number[]
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

function drive(s: Scenario, seconds: number, connections: number, record?: (status: number, ms: number) => void): Promise<autocannon.Result> {
  const random = prng(s.name.length * 31 + s.paths.length)
  const next = () => s.paths[Math.floor(random() * s.paths.length)]!
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: `${s.origin}${s.paths[0]}`,
      connections,
      duration: seconds,
      headers: s.headers,
      ...(s.paths.length > 1 ? { requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, path: next() }) }] } : {}),
    }, (error, result) => (error ? reject(error) : resolve(result)))
    if (record) instance.on('response', (_client, status, _bytes, ms) => record(status, ms))
  })
}

/**
 * Runs `beside.run` every `beside.everyMs` until the returned stop is called. Stop resolves once the last run
 * ended, or rejects with the first run's error (which ended the runs).
 */
function runBeside(beside: NonNullable<Scenario['beside']>): () => Promise<void> {
  let stopped = false
  let failure: unknown
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now()
      await beside.run()
      if (!stopped) await sleep(Math.max(0, beside.everyMs - (performance.now() - started)))
    }
  })().catch((error: unknown) => { failure = error })
  return async () => {
    stopped = true
    await loop
    if (failure) throw failure
  }
}

/**
 * Who answers a scenario: the process (`serverPid`) and, if it reads a PostgreSQL server on this machine, that
 * server's postmaster: the CPU time of each is read around the runs.
 */
export interface Answering { serverPid?: number; postmaster?: number }

/** Drives `s` and measures it. */
export async function measure(s: Scenario, options: LoadOptions, answering: Answering = {}): Promise<Measurement> {
  return (await measureAlternating([{ scenario: s, ...answering }], options, 1))[0]!
}

/** What one scenario's runs recorded, summed over them. */
class Tally {
  latencies = new Float64Array(1 << 16)
  count = 0
  seconds = 0
  cpuSeconds: number | undefined = 0
  databaseCpuSeconds = 0
  statuses: Record<string, number> = {}
  errors = 0
  bytes = 0
  /** Each run's req/s, in order. */
  runs: number[] = []

  constructor(readonly scenario: Scenario, readonly serverPid?: number, readonly postmaster?: number) {}

  record(ms: number): void {
    if (this.count === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2)
      grown.set(this.latencies)
      this.latencies = grown
    }
    this.latencies[this.count++] = ms
  }

  /** One run of `seconds`. */
  async run(seconds: number, connections: number): Promise<void> {
    const s = this.scenario
    const before = this.count
    const cpuBefore = this.serverPid === undefined ? undefined : cpuSecondsOf(this.serverPid)
    const databaseBefore = this.postmaster === undefined ? undefined : postgresCpuSeconds(this.postmaster)
    // Only responses with the expected status count: a 429 or a 503 answered fast is not throughput.
    const result = await drive(s, seconds, connections, (status, ms) => { if (status === s.expect) this.record(ms) })
    const cpuAfter = this.serverPid === undefined ? undefined : cpuSecondsOf(this.serverPid)
    this.cpuSeconds = cpuBefore !== undefined && cpuAfter !== undefined && this.cpuSeconds !== undefined ? this.cpuSeconds + cpuAfter - cpuBefore : undefined
    if (databaseBefore) this.databaseCpuSeconds += cpuSecondsBetween(databaseBefore, postgresCpuSeconds(this.postmaster!))
    this.seconds += result.duration
    this.runs.push((this.count - before) / result.duration)
    for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) this.statuses[code] = (this.statuses[code] ?? 0) + (stat.count ?? 0)
    this.errors += result.errors + result.timeouts
    this.bytes += result.throughput.total
  }

  measurement(): Measurement {
    const s = this.scenario
    const sorted = this.latencies.subarray(0, this.count).sort()
    const responses = Object.values(this.statuses).reduce((n, c) => n + c, 0)
    const unexpected = Object.entries(this.statuses).reduce((n, [code, c]) => n + (Number(code) === s.expect ? 0 : c), 0)
    return {
      name: s.name,
      path: s.paths.length > 1 ? `${s.paths[0]} (+${s.paths.length - 1} more)` : s.paths[0]!,
      distinctPaths: s.paths.length,
      requests: this.count,
      rps: this.count / this.seconds,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      mean: sorted.reduce((sum, v) => sum + v, 0) / sorted.length,
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? NaN,
      statuses: { ...this.statuses },
      failures: unexpected + this.errors,
      bytesPerSecond: this.bytes / this.seconds,
      ...(this.cpuSeconds !== undefined && responses > 0 ? { cpuPerRequestUs: (this.cpuSeconds / responses) * 1e6 } : {}),
      ...(this.postmaster !== undefined && responses > 0 ? { databaseCpuPerRequestUs: (this.databaseCpuSeconds / responses) * 1e6 } : {}),
      ...(this.runs.length > 1 ? { runs: this.runs.map((r) => Math.round(r)) } : {}),
    }
  }
}

/**
 * Several scenarios measured by turns: after each one's warm-up, `rounds` rounds in which each runs for its
 * share of the duration, one after the other. Their figures are then taken under the same share of a machine
 * whose other tenants come and go, which scenarios measured minutes apart are not. Each scenario's writes
 * beside (if any) run through its warm-up and its turns alike.
 */
export async function measureAlternating(
  scenarios: ({ scenario: Scenario } & Answering)[], options: LoadOptions, rounds: number,
): Promise<Measurement[]> {
  const tallies = scenarios.map(({ scenario, serverPid, postmaster }) => new Tally(scenario, serverPid, postmaster))
  const stops = tallies.map((t) => (t.scenario.beside ? runBeside(t.scenario.beside) : undefined))
  try {
    // JIT, pools, caches
    if (options.warmup > 0) for (const t of tallies) await drive(t.scenario, options.warmup, options.connections)
    for (let round = 0; round < rounds; round++) {
      for (const t of tallies) await t.run(options.duration / rounds, options.connections)
    }
    // A write that failed fails the scenario.
    for (const stop of stops) await stop?.()
    return tallies.map((t) => t.measurement())
  } catch (error) {
    for (const stop of stops) await stop?.().catch(() => {})
    throw error
  }
}
