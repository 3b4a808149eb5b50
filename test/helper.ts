import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { createDb, type Database } from '../src/db/client.js'
import { migrate, MIGRATION_LOCK } from '../src/db/migrate.js'
import { seedDemoArchive } from '../src/db/seed.js'

export const root = fileURLToPath(new URL('../', import.meta.url))

/**
 * Node's arguments to run an entry point (`server`, `cli/import`, ...) in a process of its own, as `npm start`
 * and `npm run <cli>` run it: from dist/, which tap builds before the tests (test/support/build.ts), so that a
 * process does not load the TypeScript loader and compile the app again. With the node arguments tap runs
 * the test files with (package.json, tap.node-arg) but that loader. Among them `--liftoff-only`: V8 compiles
 * PGlite's WebAssembly once, with its baseline compiler, not again with the optimising one, which would cost
 * each process about a second of CPU to speed up the few queries a test sends.
 */
export function builtEntryArgs(entry: string): string[] {
  const file = join(root, 'dist', `${entry}.js`)
  if (!existsSync(file)) throw new Error(`${file} is missing: run the tests with tap (npm test), which builds dist/ first`)
  const nodeArgs = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { tap: { 'node-arg': string[] } }).tap['node-arg']
  return [...nodeArgs.filter((arg) => arg !== '--import=tsx'), file]
}

interface Teardown { teardown: (fn: () => unknown) => void }

export interface TestDbOptions {
  /** Load the demo archive (default true). */
  seed?: boolean
  onQuery?: (query: string, params: unknown[]) => void
}

/**
 * A database of this test file's own: PGlite in memory by default, or, when TEST_DATABASE_URL is set, a
 * PostgreSQL database cloned from a migrated (and seeded) template, dropped at teardown.
 */
export async function testDatabase(t: Teardown, options: TestDbOptions = {}): Promise<Database & { url?: string }> {
  const seed = options.seed ?? true
  const adminUrl = process.env.TEST_DATABASE_URL
  if (!adminUrl) {
    const initialData = await pgliteTemplate(seed)
    const database = await createDb({ databaseUrl: undefined, dataDir: 'memory://', onQuery: options.onQuery, initialData })
    t.teardown(() => database.close())
    return database
  }
  const name = `quire_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const template = await ensureTemplate(adminUrl, seed)
  await withAdmin(adminUrl, async (admin) => {
    await admin.query('select pg_advisory_lock(7305118)')
    try {
      await admin.query(`create database "${name}" template "${template}"`)
    } finally {
      await admin.query('select pg_advisory_unlock(7305118)')
    }
  })
  const url = databaseUrlFor(adminUrl, name)
  const database = await createDb({ databaseUrl: url, dataDir: '', onQuery: options.onQuery })
  t.teardown(async () => {
    await database.close()
    await withAdmin(adminUrl, (admin) => admin.query(`drop database if exists "${name}" with (force)`))
  })
  return { ...database, url }
}

/**
 * An embedded database's data directory on disk, for a CLI process to open: migrated, from this suite's
 * PGlite template, which spares each such test PostgreSQL's initdb and the migrations. Removed at teardown.
 */
export async function pgliteDataDir(t: Teardown): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'quire-data-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const database = await createDb({ databaseUrl: undefined, dataDir: dir, initialData: await pgliteTemplate(false) })
  await database.close()
  return dir
}

/** Builds the real app (production options) on a fresh test database; closes both at teardown. */
export async function build(
  t: Teardown,
  options: TestDbOptions & { env?: Record<string, string> } = {},
): Promise<{ app: FastifyInstance; database: Database; config: Config }> {
  const config = loadConfig({ LOG_LEVEL: 'silent', SITE_URL: 'https://blog.example.com', ...options.env })
  const database = await testDatabase(t, options)
  const app = await buildApp(config, { database })
  t.teardown(() => app.close())
  await app.ready()
  return { app, database, config }
}

/**
 * Runs a write made behind the app's back (straight to the database, as another replica would) and waits
 * until the app has heard of it: the content version it caches responses under has moved on.
 */
export async function writeBehindApp(app: FastifyInstance, write: () => Promise<unknown>): Promise<void> {
  const before = app.contentVersion.current()
  await write()
  for (let i = 0; i < 1000; i++) {
    const now = app.contentVersion.current()
    if (now !== undefined && now !== before) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error('the app never heard of the change')
}

/**
 * A PostgreSQL test database (unseeded) whose migration lock another replica holds, as while it migrates:
 * `replica`, a client of its own, until it unlocks or the test ends.
 */
export async function migratingElsewhere(t: Teardown): Promise<{ database: Database & { url?: string }; replica: pg.Client }> {
  const database = await testDatabase(t, { seed: false })
  const replica = new pg.Client({ connectionString: database.url })
  await replica.connect()
  t.teardown(() => replica.end())
  await replica.query('select pg_advisory_lock($1)', [MIGRATION_LOCK])
  return { database, replica }
}

/** Waits until the clock is past the second `date` (an HTTP-date) names: a change then moves an HTTP date. */
export async function nextSecondAfter(date: string): Promise<void> {
  while (Math.floor(Date.now() / 1000) <= Date.parse(date) / 1000) await new Promise((resolve) => setTimeout(resolve, 50))
}

export function databaseUrlFor(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

async function withAdmin<T>(url: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await body(client)
  } finally {
    await client.end()
  }
}

/** Everything that shapes a template's contents: a change to any of it makes a new template. */
function templateFingerprint(seed: boolean): string {
  // The lockfile stands for the dependencies that shape the contents too (PGlite's version, the Markdown
  // renderer and the sanitiser, which make the demo posts' html).
  const hash = createHash('sha1').update(String(seed)).update(readFileSync(join(root, 'package-lock.json')))
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir)).sort()) {
      const path = join(dir, entry)
      if (statSync(join(root, path)).isDirectory()) walk(path)
      else hash.update(path).update(readFileSync(join(root, path)))
    }
  }
  for (const dir of ['drizzle', 'demo', 'src/db', 'src/content', 'src/modules/posts']) walk(dir)
  return hash.digest('hex').slice(0, 12)
}

/** Where this checkout keeps its PGlite dumps: its own, and its user's, like any build cache. */
const PGLITE_DUMPS = join(root, 'node_modules/.cache/quire-test')
const pgliteTemplates = new Map<boolean, Promise<Blob>>()

/**
 * How the PGlite template's cluster differs from the one a server makes on its first start (initdb's defaults),
 * to make each test database cheap to load: what loading costs grows with the dump's size, and starting
 * PostgreSQL with its shared buffers. Each is a setting of the cluster, not of the code under test, and none
 * matters to a test's few rows:
 * - a WAL segment of 1 MB, not 16 (initdb's --wal-segsize), which the dump carries whole;
 * - shared_buffers of 16 MB, not 128 (in postgresql.auto.conf, where ALTER SYSTEM writes it);
 * - no template0 and template1, the copies of an empty database that CREATE DATABASE starts from (no test
 *   creates one on PGlite).
 * That takes a load from about 1.5 s of CPU to 0.4 s, and the dump from 41 MB to 16 MB. A change here
 * changes the dumps' names (PGLITE_CLUSTER's hash), so no dump made by an older recipe is read.
 */
const PGLITE_CLUSTER = {
  initDbStartParams: ['--wal-segsize=1'],
  setup: [
    "alter system set shared_buffers = '16MB'",
    "update pg_database set datistemplate = false where datname in ('template0', 'template1')",
    'drop database template0',
    'drop database template1',
  ],
}

/**
 * PGlite's counterpart of a template database: a dump of a migrated (and seeded) data directory, which each
 * test database is loaded from (0.4 s of CPU, against 3 s or more to create, migrate and seed one). The dump
 * is a file named by the templates' fingerprint, so test files (processes) share it, and a change to what shapes
 * it makes a new one.
 */
function pgliteTemplate(seed: boolean): Promise<Blob> {
  let template = pgliteTemplates.get(seed)
  if (!template) pgliteTemplates.set(seed, (template = loadOrMakePgliteTemplate(seed)))
  return template
}

function pgliteDumpName(seed: boolean): string {
  const cluster = createHash('sha1').update(JSON.stringify(PGLITE_CLUSTER)).digest('hex').slice(0, 6)
  return `${templateFingerprint(seed)}-${cluster}.tar`
}

async function loadOrMakePgliteTemplate(seed: boolean): Promise<Blob> {
  const name = pgliteDumpName(seed)
  const file = join(PGLITE_DUMPS, name)
  try {
    return new Blob([readFileSync(file)])
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  // The cluster first, made by PGlite itself; then the app's database in it, made by the app's own code.
  const cluster = await PGlite.create('memory://', { initDbStartParams: PGLITE_CLUSTER.initDbStartParams })
  let initialData: Blob
  try {
    for (const statement of PGLITE_CLUSTER.setup) await cluster.exec(statement)
    initialData = await cluster.dumpDataDir('none')
  } finally {
    await cluster.close()
  }
  const database = await createDb({ databaseUrl: undefined, dataDir: 'memory://', initialData })
  let dump: Blob
  try {
    if (database.kind !== 'pglite') throw new Error('expected PGlite')
    await migrate(database)
    if (seed) await seedDemoArchive(database.db)
    dump = await database.client.dumpDataDir('none')
  } finally {
    await database.close()
  }
  // Written aside and renamed, so that a file under the final name is always whole.
  mkdirSync(PGLITE_DUMPS, { recursive: true })
  const partial = `${file}.${process.pid}.partial`
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()))
  renameSync(partial, file)
  // Dumps (and leftovers) made from earlier code are never read again.
  const kept = [name, pgliteDumpName(!seed)]
  for (const entry of readdirSync(PGLITE_DUMPS)) {
    if (!kept.some((k) => entry.startsWith(k))) rmSync(join(PGLITE_DUMPS, entry), { force: true })
  }
  return dump
}

async function ensureTemplate(adminUrl: string, seed: boolean): Promise<string> {
  const name = `quire_template_${templateFingerprint(seed)}`
  await withAdmin(adminUrl, async (admin) => {
    // Test files start in parallel: one builds the template while the others wait.
    await admin.query('select pg_advisory_lock(7305118)')
    try {
      const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name])
      if (rowCount) return
      await admin.query(`create database "${name}"`)
      const database = await createDb({ databaseUrl: databaseUrlFor(adminUrl, name), dataDir: '' })
      try {
        await migrate(database)
        if (seed) await seedDemoArchive(database.db)
        await database.close()
      } catch (error) {
        await database.close()
        await admin.query(`drop database if exists "${name}" with (force)`)
        throw error
      }
    } finally {
      await admin.query('select pg_advisory_unlock(7305118)')
    }
  })
  return name
}
