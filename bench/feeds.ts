/**
 * Feed throughput against a baseline measured in the same run (npm run bench): the built server (node
 * dist/server.js) on an embedded database seeded with the demo archive, a bare Fastify server answering a
 * constant JSON body, and autocannon driving each for BENCH_SECONDS (5) over BENCH_CONNECTIONS (10)
 * connections. Every target is on 127.0.0.1 and every run is bounded in time.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const root = fileURLToPath(new URL('../', import.meta.url))
const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10)

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

function start(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null) process.stderr.write(`${args.join(' ')} exited with ${code}\n`)
  })
  return child
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not listening yet
    }
    await sleep(200)
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`)
}

interface Row { name: string; rps: number; p50: number; p99: number; statuses: string; bytes: number }

async function measure(name: string, url: string, headers: Record<string, string> = {}): Promise<Row> {
  await autocannon({ url, connections, duration: 1, headers }) // warm-up: JIT, connection pools, page cache
  const result = await autocannon({ url, connections, duration: seconds, headers })
  const statuses = Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => `${code}×${s.count ?? 0}`).join(' ')
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, statuses, bytes: result.throughput.average }
}

function table(rows: Row[]): string {
  const baseline = rows[0]!.rps
  const cells = rows.map((r) => [
    r.name,
    r.rps.toFixed(0),
    `${r.p50.toFixed(1)} ms`,
    `${r.p99.toFixed(1)} ms`,
    `${((r.rps / baseline) * 100).toFixed(1)}%`,
    `${(r.bytes / 1_048_576).toFixed(1)} MiB/s`,
    r.statuses,
  ])
  const head = ['scenario', 'req/s', 'p50', 'p99', 'vs baseline', 'throughput', 'statuses']
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')
}

const dataDir = mkdtempSync(join(tmpdir(), 'quire-bench-'))
const [apiPort, basePort] = [await freePort(), await freePort()]
const children = [
  // Rate limits off: every request comes from one address, and this measures serving, not refusing.
  start(['dist/server.js'], { PORT: String(apiPort), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', SEED_DEMO: 'auto', RATE_LIMIT_READS_PER_MINUTE: '0' }),
  start(['--import', 'tsx', 'bench/baseline-server.ts'], { PORT: String(basePort) }),
]
const api = `http://127.0.0.1:${apiPort}`
try {
  await Promise.all([waitFor(`${api}/readyz`), waitFor(`http://127.0.0.1:${basePort}/`)])
  const first = await fetch(`${api}/feed.xml`)
  if (first.status !== 200) throw new Error(`/feed.xml answered ${first.status}`)
  const etag = first.headers.get('etag')!
  process.stdout.write(`feeds bench: ${seconds} s per scenario, ${connections} connections, Node ${process.version}; /feed.xml is ${(await first.text()).length} bytes\n`)

  const rows = [
    await measure('baseline: bare Fastify, constant JSON', `http://127.0.0.1:${basePort}/`),
    await measure('GET /feed.xml (full, 200)', `${api}/feed.xml`),
    await measure('GET /feed.xml If-None-Match (304)', `${api}/feed.xml`, { 'if-none-match': etag }),
    await measure('GET /feed.xml Accept-Encoding: br (200)', `${api}/feed.xml`, { 'accept-encoding': 'br, gzip' }),
    await measure('GET /feed.xml Accept-Encoding: gzip (200)', `${api}/feed.xml`, { 'accept-encoding': 'gzip' }),
    await measure('GET /feed.json (full, 200)', `${api}/feed.json`),
    await measure('GET /tags/architecture/feed.atom (200)', `${api}/tags/architecture/feed.atom`),
  ]
  process.stdout.write(`${table(rows)}\n`)
} finally {
  for (const child of children) child.kill('SIGTERM')
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)))
  rmSync(dataDir, { recursive: true, force: true })
}
