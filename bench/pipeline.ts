/**
 * npm run bench:pipeline [-- --url /feed.xml --n 20000 --rounds 5]
 *
 * What the request pipeline (hooks, routing, caching, serialisation) costs, without the network: the CPU
 * time of this process per request injected into the app (light-my-request), for a URL answered from memory,
 * against a bare Fastify answering the same status and headers in the same process, in the same run. Over
 * loopback (npm run bench) the kernel's share of each request hides changes of a few microseconds; here they
 * show. `--url` is fetched once; then it is asked for with the ETag it got: a 304 from the kept validators.
 */
import { parseArgs } from 'node:util'
import Fastify, { type FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { benchDatabaseUrl } from './lib/database.js'

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: '/feed.xml' },
    n: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
  },
})
const [url, n, rounds] = [args.url, Number(args.n), Number(args.rounds)]

/** The median over rounds of the CPU microseconds per request (user and system) of `n` requests in sequence. */
async function cpuPerRequest(app: FastifyInstance, headers: Record<string, string>, status: number): Promise<number> {
  for (let i = 0; i < Math.min(n, 2000); i++) await app.inject({ url, headers }) // JIT
  const perRound: number[] = []
  for (let round = 0; round < rounds; round++) {
    const before = process.cpuUsage()
    for (let i = 0; i < n; i++) {
      const response = await app.inject({ url, headers })
      if (response.statusCode !== status) throw new Error(`${url} answered ${response.statusCode}, not ${status}`)
    }
    const used = process.cpuUsage(before)
    perRound.push((used.user + used.system) / n)
  }
  return perRound.sort((a, b) => a - b)[Math.floor(rounds / 2)]!
}

const app = await buildApp(loadConfig({ DATABASE_URL: benchDatabaseUrl(), LOG_LEVEL: 'warn', SEED_DEMO: 'never', RATE_LIMIT_READS_PER_MINUTE: '0' }))
await app.ready()
const first = await app.inject({ url })
if (first.statusCode !== 200) throw new Error(`${url} answered ${first.statusCode}`)
const headers = { 'if-none-match': String(first.headers.etag) }
const status = 304
const answered = await app.inject({ url, headers })
const sent = Object.fromEntries(Object.entries(answered.headers).filter(([name]) => !['date', 'connection', 'transfer-encoding'].includes(name)).map(([k, v]) => [k, String(v)]))

// The baseline: the same status, headers and body, from a route doing nothing else.
const bare = Fastify({ logger: { level: 'warn' } })
bare.get(url.split('?')[0]!, (_request, reply) => reply.code(status).headers(sent).send())
await bare.ready()

const baseline = await cpuPerRequest(bare, headers, status)
const measured = await cpuPerRequest(app, headers, status)
const again = await cpuPerRequest(bare, headers, status)
process.stdout.write(`${url} ${status} in process, ${n} requests × ${rounds} rounds (median): ` +
  `the app ${measured.toFixed(1)} µs CPU per request, a bare Fastify sending the same ${baseline.toFixed(1)} µs (${again.toFixed(1)} µs after); ` +
  `the pipeline's own share ${(measured - (baseline + again) / 2).toFixed(1)} µs\n`)
await Promise.all([app.close(), bare.close()])
