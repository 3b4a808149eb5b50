/**
 * npm run bench [-- --duration 8 --connections 10 --warmup 2 --deep-page 2000 --turns 5 --only <regex> --explain analyze|plain|off
 *   --env KEY=VALUE (for the server, repeatable) --plans-only]
 *
 * The built server (as `npm start` runs it) against DATABASE_URL (default postgres://postgres@127.0.0.1:5432/quire_bench,
 * filled by `npm run bench:seed`), and a bare Fastify server answering a constant JSON body as the baseline, each
 * in a process of its own, driven over loopback by autocannon scenario by scenario. Prints the table, the goals
 * and the plans of the main reads; writes bench/results.json and bench/RESULTS.md. Every target is on
 * 127.0.0.1 and every run is bounded in time.
 */
import { get as httpGet, type IncomingHttpHeaders } from 'node:http'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { type ChildProcess, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildApp } from '../src/app.js'
import { hideCredentials, loadConfig } from '../src/config.js'
import { archiveSize, benchDatabaseUrl, openBenchDatabase } from './lib/database.js'
import { measureBurst, type Burst } from './lib/burst.js'
import { measure, measureAlternating, type Scenario } from './lib/measure.js'
import { planRequests, QueryRecorder, type RequestPlans } from './lib/plans.js'
import { freePort, localPostmaster, MemorySampler, memoryOf, root, SERVER_ENV, serverArgs, startNode, stop, waitFor } from './lib/processes.js'
import { deepCursorUrl, mainReads, sampleArchive, type GetJson } from './lib/reads.js'
import { baselineBy, burstLine, evaluateGoals, goalsTable, markdownReport, plansTable, RATIO_GOALS, resultsTable, ROW, type Report, type Row } from './lib/report.js'
import { searchQueries } from './lib/synthetic.js'

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    'deep-page': { type: 'string', default: '2000' },
    turns: { type: 'string', default: '5' },
    only: { type: 'string' },
    explain: { type: 'string', default: 'analyze' },
    env: { type: 'string', multiple: true, default: [] },
    'plans-only': { type: 'boolean', default: false },
  },
})
const options = { duration: Number(args.duration), connections: Number(args.connections), warmup: Number(args.warmup) }
const deepPage = Number(args['deep-page'])
const turns = Number(args.turns)
if (!Number.isInteger(turns) || turns < 1) {
  process.stderr.write(`--turns must be a whole number of at least 1 (got ${args.turns})\n`)
  process.exit(2)
}
const only = args.only ? new RegExp(args.only, 'i') : undefined
const serverEnv = Object.fromEntries(args.env.map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]))
const log = (line: string) => process.stdout.write(`${line}\n`)

const url = benchDatabaseUrl()
const redacted = hideCredentials(url)
const recorder = new QueryRecorder()
let database
try {
  database = await openBenchDatabase(url, recorder.onQuery)
  await database.pool.query('select 1')
} catch (error) {
  process.stderr.write(`cannot open ${redacted}: ${(error as Error).message}\nrun \`npm run bench:seed -- --posts 100000\` first\n`)
  process.exit(1)
}
const size = await archiveSize(database)
if (!size || size.publicPosts === 0) {
  process.stderr.write(`${redacted} holds no public posts: run \`npm run bench:seed -- --posts 100000\` first\n`)
  await database.close()
  process.exit(1)
}

const sample = await sampleArchive(database.pool, deepPage)
// Long tails, as readers make them: any public post, and a thousand different searches. A response cache
// then serves repeats only, not every request after the first few.
const publicSlugs = (await database.pool.query<{ slug: string }>(`select slug from posts where status = 'published' and published_at <= now() order by id`)).rows
const slugPool = publicSlugs.map((r) => `/v1/posts/${r.slug}`)
const searchPool = searchQueries(1000).map((q) => `/v1/posts?limit=15&q=${encodeURIComponent(q)}`)
const [pgVersion] = (await database.pool.query<{ v: string }>('select version() as v')).rows
// The database server's own CPU time per response is read when it runs here (see postgresCpuSeconds).
const [server] = (await database.pool.query<{ pid: number; started: number }>(
  'select pg_backend_pid() as pid, extract(epoch from pg_postmaster_start_time())::float8 as started')).rows
const postmaster = localPostmaster(server!.pid, server!.started)
// What the writes made beside some reads edit: a draft, and the oldest public post. An edit as the API's
// sets the title, which rebuilds the post's search vectors.
const idOf = async (where: string) => (await database.pool.query<{ id: string }>(`select id from posts where ${where} limit 1`)).rows[0]?.id
const writes = {
  draftId: await idOf(`status = 'draft'`),
  oldestPublicId: await idOf(`status = 'published' and published_at = (select min(published_at) from posts where status = 'published')`),
}
/** List page 1 from `origin`, read while the post `id` is edited every 100 ms. */
const editing = (origin: string, name: string, id: string | undefined): Scenario | { name: string; skipped: string } => id
  ? {
    name, origin, paths: ['/v1/posts?limit=15'], expect: 200,
    beside: { everyMs: 100, run: () => database.pool.query('update posts set title = title, updated_at = now() where id = $1', [id]) },
  }
  : { name, skipped: 'the archive has no such post' }

/** What browsers and fetch() send (feed readers send gzip at least): the compressed rows' clients. */
const BROWSER_ACCEPT_ENCODING = { 'accept-encoding': 'gzip, deflate, br' }

/** A response's bytes as they come over the wire, compressed or not (fetch would decompress them), and its headers. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ bytes: Buffer; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`${url}: ${response.statusCode}`))
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ bytes: Buffer.concat(chunks), headers: response.headers }))
      response.on('error', reject)
    }).on('error', reject)
  })
}


// After the scenarios: readers arriving together right after a change (bench/lib/burst.ts).
const BURST_NAME = 'burst after a change'
const BURST_URLS = ['/v1/posts?limit=15', '/v1/tags?limit=15', '/v1/authors?limit=15', '/v1/archive']
const BURST_READERS = 50
const BURST_ROUNDS = 5

/** Settles the server between scenarios: requests a slow scenario left queued finish before the next starts. */
async function settle(origin: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const started = performance.now()
    await fetch(`${origin}/readyz`).catch(() => undefined)
    if (performance.now() - started < 25) return
    await sleep(250)
  }
}

/** Both servers under load, scenario by scenario; their memory sampled throughout. */
async function runLoad(notes: string[]): Promise<{ rows: Row[]; memory: Report['memory']; burst?: Burst }> {
  const [apiPort, basePort] = [await freePort(), await freePort()]
  const api = `http://127.0.0.1:${apiPort}`
  const baseline = `http://127.0.0.1:${basePort}`
  const server = startNode(serverArgs(), { ...SERVER_ENV, SEED_DEMO: 'never', DATABASE_URL: url, PORT: String(apiPort), ...serverEnv })
  const serverMemory = new MemorySampler(server.pid!)
  let base: ChildProcess | undefined
  const bodies = mkdtempSync(join(tmpdir(), 'quire-bench-'))
  const rows: Row[] = []
  try {
    await waitFor(`${api}/readyz`, server)
    // The baseline also serves the exact bytes of the large responses, so their rows can be read against
    // what sending that much costs a bare server.
    const sameBytes: Record<string, { file: string; type: string; encoding?: string }> = {}
    // A post from the middle of the pool stands for the random ones (bodies of about 5 KB, html and Markdown).
    const typicalPost = slugPool[Math.floor(slugPool.length / 2)]!
    const sources = [
      ['/same-bytes/page1', '/v1/posts?limit=15', {}], ['/same-bytes/post', typicalPost, {}], ['/same-bytes/feed', '/feed.xml', {}],
      ['/same-bytes/page1-coded', '/v1/posts?limit=15', BROWSER_ACCEPT_ENCODING], ['/same-bytes/feed-coded', '/feed.xml', BROWSER_ACCEPT_ENCODING],
    ] as const
    for (const [path, source, headers] of sources) {
      const response = await rawGet(`${api}${source}`, headers)
      const file = join(bodies, path.split('/').pop()!)
      writeFileSync(file, response.bytes)
      const encoding = response.headers['content-encoding']
      if (source === typicalPost) notes.push(`the bytes of one post are those of ${typicalPost} (${response.bytes.length} bytes)`)
      if (encoding) notes.push(`${source} with Accept-Encoding: ${BROWSER_ACCEPT_ENCODING['accept-encoding']} is ${response.bytes.length} bytes of ${encoding}`)
      sameBytes[path] = { file, type: response.headers['content-type'] ?? 'application/octet-stream', ...(encoding ? { encoding } : {}) }
    }
    const feed = await fetch(`${api}/feed.xml`)
    const etag = feed.headers.get('etag') ?? ''
    // And a 304 with the headers of the server's: what answering one costs a bare server.
    const notModified = await fetch(`${api}/feed.xml`, { headers: { 'if-none-match': etag } })
    const notModifiedHeaders = Object.fromEntries([...notModified.headers].filter(([name]) => !['date', 'connection', 'keep-alive'].includes(name)))
    base = startNode(['--import', 'tsx', 'bench/baseline-server.ts'], {
      PORT: String(basePort),
      BASELINE_BODIES: JSON.stringify(sameBytes),
      BASELINE_NOT_MODIFIED: JSON.stringify({ '/same-headers/304': notModifiedHeaders }),
    })
    const baseMemory = new MemorySampler(base.pid!)
    await waitFor(`${baseline}/`, base)
    const get: GetJson = async (path) => {
      const response = await fetch(`${api}${path}`)
      return { status: response.status, body: await response.json().catch(() => undefined) }
    }
    // Cursor paging: reached by following nextCursor from the first page, once, before any measurement.
    const cursorUrl = await deepCursorUrl(get, deepPage)
    const uncounted = (await get('/v1/posts?limit=15&count=false')).status === 200
    const notImplemented = 'not implemented in this build'
    if (cursorUrl) {
      const ids = async (path: string) => ((await get(path)).body as { data: { id: string }[] }).data.map((p) => p.id).join()
      if ((await ids(cursorUrl)) !== (await ids(`/v1/posts?limit=15&page=${deepPage}`))) notes.push(`the cursor page and offset page ${deepPage} hold different posts`)
    }
    notes.push(`/feed.xml is ${(await feed.text()).length} characters; post by slug draws from all ${slugPool.length} public slugs at random, ` +
      `search from ${searchPool.length} queries of one or two words (common to rare)`)

    const baselineScenario: Scenario = { name: ROW.baseline, origin: baseline, paths: ['/'], expect: 200 }
    const scenarios: (Scenario | { name: string; skipped: string })[] = [
      baselineScenario,
      { name: ROW.page1Bytes, origin: baseline, paths: ['/same-bytes/page1'], expect: 200 },
      { name: ROW.postBytes, origin: baseline, paths: ['/same-bytes/post'], expect: 200 },
      { name: ROW.feedBytes, origin: baseline, paths: ['/same-bytes/feed'], expect: 200 },
      { name: ROW.notModifiedHeaders, origin: baseline, paths: ['/same-headers/304'], expect: 304 },
      { name: ROW.page1CodedBytes, origin: baseline, paths: ['/same-bytes/page1-coded'], headers: BROWSER_ACCEPT_ENCODING, expect: 200 },
      { name: ROW.feedCodedBytes, origin: baseline, paths: ['/same-bytes/feed-coded'], headers: BROWSER_ACCEPT_ENCODING, expect: 200 },
      { name: ROW.page1, origin: api, paths: ['/v1/posts?limit=15'], expect: 200 },
      // Writes made beside the reads, straight to the database as another replica's would be: an editor's
      // draft saved (which no public response shows), and an edit of a published post far from page 1 (which
      // changes no byte of it, but is a public change: every cached response is made again).
      editing(api, ROW.page1DraftSaves, writes.draftId),
      editing(api, ROW.page1PublicEdits, writes.oldestPublicId),
      uncounted ? { name: ROW.page1Uncounted, origin: api, paths: ['/v1/posts?limit=15&count=false'], expect: 200 } : { name: ROW.page1Uncounted, skipped: notImplemented },
      { name: ROW.deepOffset, origin: api, paths: [`/v1/posts?limit=15&page=${deepPage}`], expect: 200 },
      cursorUrl ? { name: ROW.deepCursor, origin: api, paths: [cursorUrl], expect: 200 } : { name: ROW.deepCursor, skipped: notImplemented },
      cursorUrl && uncounted
        ? { name: ROW.deepCursorUncounted, origin: api, paths: [`${cursorUrl}&count=false`], expect: 200 }
        : { name: ROW.deepCursorUncounted, skipped: notImplemented },
      { name: ROW.tag, origin: api, paths: [`/v1/posts?limit=15&tag=${sample.popularTag}`], expect: 200 },
      { name: ROW.slug, origin: api, paths: slugPool, expect: 200 },
      { name: ROW.search, origin: api, paths: searchPool, expect: 200 },
      { name: ROW.tags, origin: api, paths: ['/v1/tags?limit=15'], expect: 200 },
      { name: ROW.archive, origin: api, paths: ['/v1/archive'], expect: 200 },
      { name: ROW.feed, origin: api, paths: ['/feed.xml'], expect: 200 },
      { name: ROW.feed304, origin: api, paths: ['/feed.xml'], headers: { 'if-none-match': etag }, expect: 304 },
      // What clients that accept compression (browsers, most feed readers) get: the response cache keeps the
      // compressed copy, so a repeated read is not compressed again; a post read once is.
      { name: ROW.page1Coded, origin: api, paths: ['/v1/posts?limit=15'], headers: BROWSER_ACCEPT_ENCODING, expect: 200 },
      { name: ROW.slugCoded, origin: api, paths: slugPool, headers: BROWSER_ACCEPT_ENCODING, expect: 200 },
      { name: ROW.feedCoded, origin: api, paths: ['/feed.xml'], headers: BROWSER_ACCEPT_ENCODING, expect: 200 },
      { name: ROW.baselineAgain, origin: baseline, paths: ['/'], expect: 200 },
    ]
    for (const s of scenarios) {
      const reference = [
        ROW.baseline, ROW.baselineAgain, ROW.page1Bytes, ROW.postBytes, ROW.feedBytes, ROW.notModifiedHeaders, ROW.page1CodedBytes, ROW.feedCodedBytes,
      ] as string[]
      if (only && !reference.includes(s.name) && !only.test(s.name)) continue
      if ('skipped' in s) {
        rows.push(s)
        log(`${s.name}: n/a (${s.skipped})`)
        continue
      }
      await settle(api)
      const answering = s.origin === api ? { serverPid: server.pid, postmaster } : { serverPid: base.pid }
      let m
      if (RATIO_GOALS.some((g) => g.name === s.name)) {
        // Its goal's baseline: measured by turns with it (see measureAlternating).
        const [b, measured] = await measureAlternating(
          [{ scenario: { ...baselineScenario, name: baselineBy(s.name) }, serverPid: base.pid }, { scenario: s, ...answering }], options, turns)
        rows.push(b!)
        log(`${b!.name}: ${b!.rps.toFixed(0)} req/s`)
        m = measured!
      } else {
        m = await measure(s, options, answering)
      }
      rows.push({ ...m, ...(s.origin === api ? { serverRssBytes: memoryOf(server.pid!)?.rss } : {}) })
      log(`${s.name}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms` +
        `${m.failures ? `, ${m.failures} unexpected responses or errors ${JSON.stringify(m.statuses)}` : ''}`)
    }
    let burst: Burst | undefined
    if (!only || only.test(BURST_NAME)) {
      await settle(api)
      burst = await measureBurst(api, database!.pool, BURST_URLS, BURST_READERS, BURST_ROUNDS)
      log(burstLine(burst))
    }
    const s = serverMemory.finish()
    const b = baseMemory.finish()
    return { rows, burst, memory: { server: { peakBytes: s.peak, lastBytes: s.last }, baseline: { peakBytes: b.peak, lastBytes: b.last } } }
  } finally {
    await stop(base ? [server, base] : [server])
    rmSync(bodies, { recursive: true, force: true })
  }
}

/** The commit measured, and whether the working tree differed from it. */
function gitDescription(): string {
  try {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim()
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src', 'package.json') ? ' (src modified)' : ''}`
  } catch {
    return 'unknown'
  }
}

const notes: string[] = []
const loadAverage = () => loadavg().map((l) => l.toFixed(1)).join(' ')
const loadBefore = loadAverage()
log(`bench: ${size.posts} posts (${size.publicPosts} public) in ${redacted}; ${options.duration} s per scenario after ${options.warmup} s of warm-up, ` +
  `${options.connections} connections; Node ${process.version}; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; load average ${loadBefore}`)
const { rows, memory, burst } = args['plans-only']
  ? { rows: [], memory: { server: { peakBytes: 0, lastBytes: 0 }, baseline: { peakBytes: 0, lastBytes: 0 } }, burst: undefined }
  : await runLoad(notes)
const loadAfter = loadAverage()

// Plans last, from an app built in this process (its own cursor key, so its own cursor), on the same database.
let plans: RequestPlans[] = []
if (args.explain !== 'off') {
  const app = await buildApp(loadConfig({ ...SERVER_ENV, SEED_DEMO: 'never', DATABASE_URL: url, LOG_LEVEL: 'silent', ...serverEnv }), { database })
  await app.ready()
  const inject: GetJson = async (path) => {
    const response = await app.inject({ method: 'GET', url: path })
    return { status: response.statusCode, body: String(response.headers['content-type']).includes('json') ? response.json() : undefined }
  }
  const cursorUrl = await deepCursorUrl(inject, deepPage)
  plans = await planRequests(app, recorder, database.pool, mainReads(sample, cursorUrl), { analyze: args.explain === 'analyze' })
  await app.close()
}
await database.close()

if (args['plans-only']) {
  log(`${plansTable(plans)}\n`)
  for (const p of plans) for (const st of p.statements) log(`-- ${p.label}\n${st.sql}\n-- params: ${JSON.stringify(st.params)}\n${st.plan.join('\n')}\n`)
  process.exit(0)
}

const goals = evaluateGoals(rows, { cores: cpus().length, connections: options.connections, server: memory.server })
const scans = plans.flatMap((p) => p.statements.filter((s) => s.seqScanOnPosts).map(() => p.label))
if (scans.length) notes.push(`Seq Scan on posts in: ${[...new Set(scans)].join(', ')}`)
const report: Report = {
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  startedAt: new Date().toISOString(),
  environment: {
    build: gitDescription(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    postgres: pgVersion?.v.split(' on ')[0] ?? 'unknown',
    // Other work on the machine takes CPU from the servers and the load generator alike.
    'load average (1, 5, 15 min) before and after': `${loadBefore} / ${loadAfter}`,
    ...(Object.keys(serverEnv).length ? { 'server env': Object.entries(serverEnv).map(([k, v]) => `${k}=${v}`).join(' ') } : {}),
  },
  archive: { posts: size.posts, 'public posts': size.publicPosts, tags: size.tags, authors: size.authors, 'tag links': size.postTags },
  options: { ...options, 'deep page': deepPage, 'turns with the baseline': turns },
  rows,
  goals,
  memory,
  ...(burst ? { burst } : {}),
  notes,
  plans,
}
log(`\n${resultsTable(rows)}\n`)
log(`server peak RSS ${(memory.server.peakBytes / 1_048_576).toFixed(0)} MB (baseline ${(memory.baseline.peakBytes / 1_048_576).toFixed(0)} MB)\n`)
if (burst) log(`${burstLine(burst)}\n`)
log(`${goalsTable(goals)}\n`)
if (plans.length) log(`${plansTable(plans)}\n`)
for (const note of notes) log(`note: ${note}`)
writeFileSync(`${root}bench/results.json`, `${JSON.stringify(report, null, 2)}\n`)
writeFileSync(`${root}bench/RESULTS.md`, markdownReport(report))
log('wrote bench/results.json and bench/RESULTS.md')
