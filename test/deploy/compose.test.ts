import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.js'
import { root } from '../helper.js'

// No Docker engine runs where the tests do, so the stack's structure is checked instead of run.
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'))
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')
const readme = readFileSync(join(root, 'README.md'), 'utf8')

t.test('compose runs PostgreSQL with a named volume and a health check', async (t) => {
  const db = compose.services.db
  t.match(db.image, /^postgres:\d+/)
  t.ok(db.volumes.some((v: string) => v.startsWith('pgdata:')), 'data on the named volume')
  t.ok('pgdata' in compose.volumes)
  t.match(db.healthcheck.test.join(' '), /pg_isready -h 127\.0\.0\.1 /, 'ready over TCP, as the API connects')
})

t.test('compose builds the API, waits for a healthy database and checks its own readiness', async (t) => {
  const api = compose.services.api
  t.equal(api.build, '.')
  t.same(api.depends_on, { db: { condition: 'service_healthy' } })
  t.match(api.healthcheck.test.join(' '), /\/readyz/)
  t.equal(api.environment.DATABASE_URL, 'postgres://quire@db:5432/quire', 'no password in the URL')
  t.equal(api.environment.PGPASSWORD, compose.services.db.environment.POSTGRES_PASSWORD, 'it is beside it, where pg reads it: the database\'s')
  t.equal(api.init, true, 'the server is not PID 1, which ignores the signals it does not handle')
  t.equal(api.environment.HOST, '0.0.0.0')
  t.ok(api.ports.some((p: string) => p.endsWith(':3000')))
})

// The embedded database's directory: meaningless when the stack runs PostgreSQL.
const NOT_IN_COMPOSE = ['DATA_DIR']
// Read by pg itself: the password, beside DATABASE_URL.
const FOR_PG = ['PGPASSWORD']

t.test('compose passes every variable the config reads, and the defaults it sets are valid', async (t) => {
  const env = compose.services.api.environment as Record<string, string>
  for (const name of CONFIG_VARIABLES.filter((v) => !NOT_IN_COMPOSE.includes(v))) {
    t.ok(name in env, `${name} is set`)
  }
  for (const name of Object.keys(env).filter((v) => !FOR_PG.includes(v))) t.ok(CONFIG_VARIABLES.includes(name), `${name} is a variable the config reads`)
  // With compose's defaults, the result passes the app's own validation.
  t.doesNotThrow(() => loadConfig(interpolated(env, {})))
  // A password that a URL could not hold as it is: it reaches pg as it is, beside a URL that holds none.
  const withPassword = interpolated(env, { POSTGRES_PASSWORD: 'a/b#c?d%e@f' })
  t.equal(withPassword.PGPASSWORD, 'a/b#c?d%e@f')
  t.equal(loadConfig(withPassword).databaseUrl, 'postgres://quire@db:5432/quire')
})

/**
 * What compose makes of `${NAME:-default}` (nested too) and `${NAME}`, given the shell's variables: the only
 * forms the file uses (any other fails the test rather than pass unresolved).
 */
function interpolated(values: Record<string, unknown>, shell: Record<string, string>): Record<string, string> {
  const resolve = (value: string): string => {
    const next = value.replace(/\$\{([_a-zA-Z][_a-zA-Z0-9]*)(?::-([^${}]*))?\}/g, (_, name: string, fallback?: string) => shell[name] || (fallback ?? ''))
    return next === value ? value : resolve(next)
  }
  return Object.fromEntries(Object.entries(values).map(([k, v]) => {
    const value = resolve(String(v))
    if (value.includes('$')) throw new Error(`${k}: ${String(v)} uses interpolation this test does not model`)
    return [k, value]
  }))
}

t.test('PORT moves the published port, and the links the API writes follow it', async (t) => {
  const api = compose.services.api
  t.same(api.ports.map((p: string) => interpolated({ p }, { PORT: '8080' }).p), ['8080:3000'])
  const config = loadConfig(interpolated(api.environment, { PORT: '8080' }))
  t.equal(config.site.url, 'http://localhost:8080')
  t.equal(loadConfig(interpolated(api.environment, {})).site.url, 'http://localhost:3000')
  t.equal(loadConfig(interpolated(api.environment, { PORT: '8080', SITE_URL: 'https://blog.example.com' })).site.url, 'https://blog.example.com')
})

t.test('the Dockerfile is multi-stage, runs as a non-root user and has a health check', async (t) => {
  t.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, 'two stages')
  t.match(dockerfile, /^USER node$/m)
  t.match(dockerfile, /^HEALTHCHECK /m)
  t.match(dockerfile, /COPY drizzle \.\/drizzle/, 'migrations ship in the image')
  // The same command as `npm start`, heap cap included.
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
  t.match(start, /^node --max-old-space-size=\d+ dist\/server\.js$/)
  t.match(dockerfile, `CMD [${start.split(' ').map((a) => JSON.stringify(a)).join(', ')}]`)
})

t.test('the API gets time to drain on `docker compose stop`', async (t) => {
  const grace = /^(\d+)s$/.exec(compose.services.api.stop_grace_period)
  t.ok(grace && Number(grace[1]) > 30, 'longer than the 30 s request timeout')
})

t.test('the README documents every variable in its Configuration table', async (t) => {
  const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1))
  for (const name of CONFIG_VARIABLES) t.match(table, new RegExp(`^\\| \`${name}\` \\|`, 'm'), name)
})

t.test('the README has an operations section: compose, configuration, health, metrics, rate limits, logs, backup', async (t) => {
  const operations = readme.slice(readme.indexOf('## Operations'))
  t.ok(readme.includes('## Operations'))
  for (const topic of ['docker compose up', '/healthz', '/readyz', '/metrics', 'RATE_LIMIT_', 'LOG_FORMAT', 'pg_dump', 'SIGTERM']) {
    t.ok(operations.includes(topic), topic)
  }
})
