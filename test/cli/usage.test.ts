import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { openapiPath } from '../../src/cli/openapi.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../support/cli.js'

// Every CLI answers --help with its usage and touches no database; a wrong option is a usage error (exit 2),
// never a stack trace, and never a command run anyway (db:seed --help used to load the demo archive).
// No database is involved: run once, on the embedded default.
t.test('each CLI answers --help and refuses unknown options without touching a database', { skip: process.env.TEST_DATABASE_URL ? 'no database involved: run on PGlite only' : false }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'quire-usage-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const dataDir = join(dir, 'data')
  const written = statSync(openapiPath).mtimeMs
  const env = { DATA_DIR: dataDir }
  const scripts = ['apikey', 'import', 'migrate', 'seed', 'openapi']
  const answers = await Promise.all([
    ...scripts.flatMap((script) => [
      runCli(script, env, '--help').then((r) => ({ script, asked: '--help', ...r })),
      runCli(script, env, '--bogus').then((r) => ({ script, asked: '--bogus', ...r })),
    ]),
    // The short form is the same option (cliArgs): once is enough.
    runCli('seed', env, '-h').then((r) => ({ script: 'seed', asked: '-h', ...r })),
  ])
  for (const { script, asked, code, stdout, stderr } of answers) {
    const name = `${script} ${asked}`
    if (asked === '--bogus') {
      t.equal(code, 2, name)
      t.match(stderr, /Unknown option '--bogus'/, name)
      t.match(stderr, /^usage:/m, `${name}: the usage follows`)
    } else {
      t.equal(code, 0, `${name}: ${stderr}`)
      t.match(stdout, /^usage:/m, name)
    }
    t.notMatch(`${stdout}${stderr}`, /\n\s+at /, `${name}: no stack trace`)
  }
  t.notOk(existsSync(dataDir), 'no database was opened, let alone seeded')
  t.equal(statSync(openapiPath).mtimeMs, written, 'openapi --help wrote nothing')
  const extra = await runCli('seed', env, 'now')
  t.equal(extra.code, 2, 'db:seed takes no arguments')
  t.notOk(existsSync(dataDir))
})

t.test('a database that takes the connection and never answers: a CLI says so in words, not "timeout expired" alone', { skip: process.env.TEST_DATABASE_URL ? 'no database involved: run on PGlite only' : false }, async (t) => {
  // What a firewall dropping packets, or a hung server, looks like from here.
  const { createServer } = await import('node:net')
  const sockets = new Set<import('node:net').Socket>()
  const silent = createServer((socket) => sockets.add(socket))
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    silent.close()
  })
  const { port } = silent.address() as { port: number }
  const { code, stderr } = await runCli('migrate', { DATABASE_URL: `postgres://quire@127.0.0.1:${port}/quire` })
  t.equal(code, 1)
  t.match(stderr, /^error: the database \(DATABASE_URL\) does not answer \(/)
  t.notMatch(stderr, /\n\s+at /, 'no stack trace')
})

t.test('a DATA_DIR that is a file: a CLI names DATA_DIR, as the server does', { skip: process.env.TEST_DATABASE_URL ? 'the embedded database only' : false }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'quire-usage-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'a-file')
  writeFileSync(file, '')
  const { code, stderr } = await runCli('migrate', { DATA_DIR: file })
  t.equal(code, 1)
  t.match(stderr, /^error: the data directory \(DATA_DIR\) is not a directory: a file is in its place or on its path \(EEXIST/)
  t.notMatch(stderr, /\n\s+at /, 'no stack trace')
})
