/**
 * One scenario under load: autocannon drives `connections` keep-alive connections for `duration` seconds
 * after a warm-up, over paths drawn at random (seeded) from the scenario's pool. Latencies are taken from
 * autocannon's per-response event, in fractions of a millisecond: its own histogram keeps whole milliseconds,
 * too coarse for sub-millisecond responses.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import { cpuSecondsOf } from './processes.js'
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

/** Drives `s` and measures it; `serverPid` is the process answering, whose CPU time is read around the run. */
export async function measure(s: Scenario, options: LoadOptions, serverPid?: number): Promise<Measurement> {
  const stopBeside = s.beside ? runBeside(s.beside) : undefined
  try {
    const measured = await measureLoad(s, options, serverPid)
    // A write that failed fails the scenario.
    await stopBeside?.()
    return measured
  } catch (error) {
    await stopBeside?.().catch(() => {})
    throw error
  }
}

async function measureLoad(s: Scenario, options: LoadOptions, serverPid?: number): Promise<Measurement> {
  if (options.warmup > 0) await drive(s, options.warmup, options.connections) // JIT, pools, caches
  let latencies = new Float64Array(1 << 16)
  let count = 0
  const cpuBefore = serverPid === undefined ? undefined : cpuSecondsOf(serverPid)
  // Only responses with the expected status count: a 429 or a 503 answered fast is not throughput.
  const result = await drive(s, options.duration, options.connections, (status, ms) => {
    if (status !== s.expect) return
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2)
      grown.set(latencies)
      latencies = grown
    }
    latencies[count++] = ms
  })
  const cpuAfter = serverPid === undefined ? undefined : cpuSecondsOf(serverPid)
  const sorted = latencies.subarray(0, count).sort()
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0]))
  const responses = Object.values(statuses).reduce((n, c) => n + c, 0)
  const unexpected = Object.entries(statuses).reduce((n, [code, c]) => n + (Number(code) === s.expect ? 0 : c), 0)
  return {
    name: s.name,
    path: s.paths.length > 1 ? `${s.paths[0]} (+${s.paths.length - 1} more)` : s.paths[0]!,
    distinctPaths: s.paths.length,
    requests: count,
    rps: count / result.duration,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    statuses,
    failures: unexpected + result.errors + result.timeouts,
    bytesPerSecond: result.throughput.average,
    ...(cpuBefore !== undefined && cpuAfter !== undefined && responses > 0 ? { cpuPerRequestUs: ((cpuAfter - cpuBefore) / responses) * 1e6 } : {}),
  }
}
