/**
 * npm run bench:feeds — feed throughput on the embedded database with the demo archive (no PostgreSQL
 * needed): the built server (as `npm start` runs it) and the bare Fastify baseline, each in a process of its
 * own, driven by autocannon for BENCH_SECONDS (5) over BENCH_CONNECTIONS (10). The full suite at archive
 * scale is `npm run bench` (bench/run.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { measure } from './lib/measure.js'
import { freePort, SERVER_ENV, serverArgs, startNode, stop, waitFor } from './lib/processes.js'
import { resultsTable, ROW } from './lib/report.js'

const options = { duration: Number(process.env.BENCH_SECONDS ?? 5), connections: Number(process.env.BENCH_CONNECTIONS ?? 10), warmup: 1 }
const dataDir = mkdtempSync(join(tmpdir(), 'quire-bench-'))
const [apiPort, basePort] = [await freePort(), await freePort()]
const api = `http://127.0.0.1:${apiPort}`
const baseline = `http://127.0.0.1:${basePort}`
const server = startNode(serverArgs(), { ...SERVER_ENV, PORT: String(apiPort), DATA_DIR: dataDir, SEED_DEMO: 'auto' })
const base = startNode(['--import', 'tsx', 'bench/baseline-server.ts'], { PORT: String(basePort) })
try {
  await Promise.all([waitFor(`${api}/readyz`, server), waitFor(`${baseline}/`, base)])
  const first = await fetch(`${api}/feed.xml`)
  if (first.status !== 200) throw new Error(`/feed.xml answered ${first.status}`)
  const etag = first.headers.get('etag') ?? ''
  process.stdout.write(`feeds bench: ${options.duration} s per scenario, ${options.connections} connections, Node ${process.version}; /feed.xml is ${(await first.text()).length} characters\n`)
  const rows = [
    await measure({ name: ROW.baseline, origin: baseline, paths: ['/'], expect: 200 }, options, { serverPid: base.pid }),
    await measure({ name: ROW.feed, origin: api, paths: ['/feed.xml'], expect: 200 }, options, { serverPid: server.pid }),
    await measure({ name: ROW.feed304, origin: api, paths: ['/feed.xml'], headers: { 'if-none-match': etag }, expect: 304 }, options, { serverPid: server.pid }),
    await measure({ name: '/feed.json (200)', origin: api, paths: ['/feed.json'], expect: 200 }, options, { serverPid: server.pid }),
    await measure({ name: '/tags/architecture/feed.atom (200)', origin: api, paths: ['/tags/architecture/feed.atom'], expect: 200 }, options, { serverPid: server.pid }),
  ]
  process.stdout.write(`${resultsTable(rows)}\n`)
} finally {
  await stop([server, base])
  rmSync(dataDir, { recursive: true, force: true })
}
