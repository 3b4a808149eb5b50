import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config.js'
import { root } from '../helper.js'

// No Docker engine runs where the tests do, so the stack's structure is checked instead of run.
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'))
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')

t.test('compose runs PostgreSQL with a named volume and a health check', async (t) => {
  const db = compose.services.db
  t.match(db.image, /^postgres:\d+/)
  t.ok(db.volumes.some((v: string) => v.startsWith('pgdata:')), 'data on the named volume')
  t.ok('pgdata' in compose.volumes)
  t.match(db.healthcheck.test.join(' '), /pg_isready/)
})

t.test('compose builds the API, waits for a healthy database and checks its own readiness', async (t) => {
  const api = compose.services.api
  t.equal(api.build, '.')
  t.same(api.depends_on, { db: { condition: 'service_healthy' } })
  t.match(api.healthcheck.test.join(' '), /\/readyz/)
  t.match(api.environment.DATABASE_URL, /^postgres:\/\/quire:.*@db:5432\/quire$/)
  t.equal(api.environment.HOST, '0.0.0.0')
  t.ok(api.ports.some((p: string) => p.endsWith(':3000')))
})

t.test('compose passes every variable the config reads, and the defaults it sets are valid', async (t) => {
  const env = compose.services.api.environment as Record<string, string>
  for (const name of ['PORT', 'HOST', 'DATABASE_URL', 'LOG_LEVEL', 'SITE_URL', 'POST_URL_TEMPLATE', 'CORS_ORIGINS']) {
    t.ok(name in env, `${name} is set`)
  }
  // Substitute compose defaults (${X:-default}) and check the result passes the app's own validation.
  const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]))
  t.doesNotThrow(() => loadConfig(resolved))
})

t.test('the Dockerfile is multi-stage, runs as a non-root user and has a health check', async (t) => {
  t.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, 'two stages')
  t.match(dockerfile, /^USER node$/m)
  t.match(dockerfile, /^HEALTHCHECK /m)
  t.match(dockerfile, /COPY drizzle \.\/drizzle/, 'migrations ship in the image')
  t.match(dockerfile, /CMD \["node", "dist\/server\.js"\]/)
})
