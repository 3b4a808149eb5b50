import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { eq } from 'drizzle-orm'
import { createDb } from '../src/db/client.js'
import { MIGRATION_LOCK } from '../src/db/migrate.js'
import { tags } from '../src/db/schema.js'
import { createApiKey } from '../src/modules/apikeys/queries.js'
import { builtEntryArgs, migratingElsewhere, pgliteDataDir, root, testDatabase } from './helper.js'
import { refusesConnections, startServer } from './support/server-process.js'

interface ServerDatabase {
  env: Record<string, string>
  key: string
  /** Whether a tag with this name was stored; reads after the server has exited. */
  hasTag: (name: string) => Promise<boolean>
  /** PGlite's lock file, removed when the database is closed cleanly. */
  lockFile?: string
}

/** A database for a server process: a PGlite directory, or a PostgreSQL database with TEST_DATABASE_URL. */
async function serverDatabase(t: Test): Promise<ServerDatabase> {
  if (process.env.TEST_DATABASE_URL) {
    const database = await testDatabase(t, { seed: false })
    const { key } = await createApiKey(database.db, 'signals')
    const hasTag = async (name: string) => (await database.db.select().from(tags).where(eq(tags.name, name))).length === 1
    return { env: { DATABASE_URL: database.url!, SEED_DEMO: 'never' }, key, hasTag }
  }
  const dir = await pgliteDataDir(t)
  const database = await createDb({ databaseUrl: undefined, dataDir: dir })
  const { key } = await createApiKey(database.db, 'signals')
  await database.close()
  const hasTag = async (name: string) => {
    const reopened = await createDb({ databaseUrl: undefined, dataDir: dir })
    try {
      return (await reopened.db.select().from(tags).where(eq(tags.name, name))).length === 1
    } finally {
      await reopened.close()
    }
  }
  return { env: { DATA_DIR: dir, SEED_DEMO: 'never' }, key, hasTag, lockFile: join(dir, 'quire.lock') }
}

/** A write whose body arrives in two parts: the request is in flight until `finish()` sends the rest. */
function slowWrite(port: number, headers: Record<string, string>, body: string) {
  const request = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/v1/tags',
    headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  })
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode!, body: text }))
    })
    request.on('error', reject)
  })
  const half = Math.floor(body.length / 2)
  request.write(body.slice(0, half))
  return { response, finish: () => request.end(body.slice(half)) }
}

const json = (line: string) => JSON.parse(line) as Record<string, unknown>

// Each case starts the real server (a few seconds each, more on a loaded machine): more time than a file gets.
t.setTimeout(300_000)
// And mostly waits for it: the cases, each with its own database and port, run side by side.
t.jobs = 3

// SIGTERM with the logs as a collector gets them (stdout is a pipe: JSON); SIGINT with LOG_FORMAT=pretty.
for (const [signal, format] of [['SIGTERM', 'auto'], ['SIGINT', 'pretty']] as const) {
  t.test(`${signal}: stops accepting, finishes the request in flight, closes the database and exits 0`, async (t) => {
    const database = await serverDatabase(t)
    const server = await startServer(t, { ...database.env, LOG_FORMAT: format })
    const requestId = `in-flight-${signal}`
    const name = `Written during ${signal}`
    const write = slowWrite(server.port, { authorization: `Bearer ${database.key}`, 'x-request-id': requestId }, JSON.stringify({ name }))
    // JSON has "reqId":"x"; pino-pretty writes reqId: "x" on the line after the message.
    await server.waitForLine((line) => line.includes(requestId))

    server.child.kill(signal)
    await server.waitForLine((line) => line.includes('shutting down'))
    t.ok(await refusesConnections(server.port), 'new connections are refused')

    write.finish()
    const answer = await write.response
    t.equal(answer.status, 201, 'the request in flight completes')
    t.equal(JSON.parse(answer.body).data.name, name)
    t.same(await server.exited, { code: 0, signal: null }, 'exit code 0')

    t.ok(await database.hasTag(name), 'its write was committed')
    if (database.lockFile) t.notOk(existsSync(database.lockFile), 'PGlite was closed (its lock released)')
    const output = server.lines.join('\n') + server.stderr()
    t.notMatch(output, database.key, 'the API key is not in the logs')
    t.notMatch(output, database.key.slice(6, 20))

    if (format === 'auto') {
      t.test('stdout is not a terminal: the logs are JSON lines, each of the request\'s with its id', async (t) => {
        for (const line of server.lines) t.doesNotThrow(() => json(line), line.slice(0, 80))
        t.match(json(server.lines.find((line) => line.includes('shutting down'))!), { signal })
        const mine = server.lines.map(json).filter((entry) => entry.reqId === requestId)
        t.same(mine.map((entry) => entry.msg), ['incoming request', 'request completed'])
        t.match(mine[1], { res: { statusCode: 201 } })
        // By each line's time: lines written from a buffer at exit may reach the pipe after a later one.
        const times = ['shutting down', `"reqId":"${requestId}","res"`, 'closed: requests finished']
          .map((text) => server.lines.find((line) => line.includes(text))).map((line) => (line === undefined ? NaN : (json(line).time as number)))
        t.ok(times.every((time) => Number.isFinite(time)), 'each logged')
        t.same([...times].sort((a, b) => a - b), times, `signal, then the request completes, then the database closes: ${times}`)
      })
    } else {
      t.test('LOG_FORMAT=pretty: lines for people, the request id with each of the request\'s', async (t) => {
        const listening = server.lines.find((line) => line.includes('Server listening'))!
        t.throws(() => JSON.parse(listening), 'not JSON')
        t.match(listening, /^\[[\d:.]+\] INFO: Server listening at http/)
        t.equal(server.lines.filter((line) => line.includes(`reqId: "${requestId}"`)).length, 2, 'incoming, completed')
      })
    }
  })
}

t.test('a second signal exits at once (code 1), without waiting for the request in flight', async (t) => {
  const database = await serverDatabase(t)
  const server = await startServer(t, database.env)
  const write = slowWrite(server.port, { authorization: `Bearer ${database.key}`, 'x-request-id': 'never-finished' }, JSON.stringify({ name: 'Never written' }))
  const outcome = write.response.then((res) => `answered ${res.status}`, (error: NodeJS.ErrnoException) => error.code)
  await server.waitForLine((line) => line.includes('"reqId":"never-finished"'))
  server.child.kill('SIGTERM')
  await server.waitForLine((line) => line.includes('shutting down'))
  server.child.kill('SIGINT')
  t.same(await server.exited, { code: 1, signal: null })
  t.equal(await outcome, 'ECONNRESET', 'the connection of the request in flight is cut')
  t.notOk(await database.hasTag('Never written'))
})

/**
 * Starts the server (the built one, as `npm start` does) on an environment it cannot start with: exit code,
 * the fatal log line (LOG_FORMAT=json) and stderr. No DATABASE_URL unless given.
 */
async function failedStart(env: Record<string, string>, options: { uid?: number; gid?: number } = {}) {
  const { DATABASE_URL: _db, TEST_DATABASE_URL: _test, ...inherited } = process.env
  const child = spawn(process.execPath, builtEntryArgs('server'), {
    cwd: root,
    env: { ...inherited, HOST: '127.0.0.1', PORT: '0', SEED_DEMO: 'never', LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  // One that starts after all (it logs so at info) is stopped, and fails its test by its exit (null), not by
  // the file's timeout.
  const started = setInterval(() => {
    if (/listening at http/.test(stdout)) child.kill('SIGKILL')
  }, 100)
  const [code] = await once(child, 'exit').finally(() => clearInterval(started))
  const fatal = stdout.trim().split('\n').filter(Boolean).map(json).find((line) => line.level === 60)
  return { code: code as number | null, fatal, stdout, stderr }
}

t.test('a server that cannot start says why in one log line and exits 1: no stack trace', async (t) => {
  const taken = net.createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => taken.close())
  const port = (taken.address() as { port: number }).port
  // A directory that does not exist yet, as on a first `npm start`: made, initialised and migrated first.
  const parent = mkdtempSync(join(tmpdir(), 'quire-start-'))
  t.teardown(() => rmSync(parent, { recursive: true, force: true }))
  const { code, fatal, stdout, stderr } = await failedStart({ PORT: String(port), DATA_DIR: join(parent, 'data') })
  t.equal(code, 1)
  t.ok(fatal, stdout)
  t.equal(fatal?.msg, `could not start: port ${port} is in use by another process (set PORT)`)
  t.equal(stderr, '', 'nothing on stderr: no stack trace')
})

t.test('a DATABASE_URL whose server closes the connection without a word (not PostgreSQL, a full pooler) stops the server naming DATABASE_URL', async (t) => {
  const closing = net.createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve))
  t.teardown(() => closing.close())
  const port = (closing.address() as { port: number }).port
  const { code, fatal } = await failedStart({ DATABASE_URL: `postgres://quire@127.0.0.1:${port}/quire` })
  t.equal(code, 1)
  t.equal(fatal?.msg, 'could not start: the server at DATABASE_URL closed the connection: is it PostgreSQL, and does it take connections?')
})

t.test('a DATABASE_URL password with a % that decodes to nothing stops the server saying how to write it; one pg reads as it is starts', async (t) => {
  const { code, fatal } = await failedStart({ DATABASE_URL: 'postgres://quire:ab%cd@127.0.0.1:1/quire' })
  t.equal(code, 1)
  t.equal(fatal?.msg, 'could not start: a user or password in DATABASE_URL is not percent-encoded: write % as %25 (or give the password in PGPASSWORD)')
  // `50%`: pg encodes a % before no hex digits itself, so this one gets as far as connecting (port 1: refused).
  const connected = await failedStart({ DATABASE_URL: 'postgres://quire:50%@127.0.0.1:1/quire' })
  t.equal(connected.fatal?.msg, 'could not start: the database (DATABASE_URL) does not answer')
})

t.test('a DATA_DIR that is a file, or below one, stops the server naming DATA_DIR', async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'quire-start-'))
  t.teardown(() => rmSync(parent, { recursive: true, force: true }))
  const file = join(parent, 'a-file')
  writeFileSync(file, 'not a directory\n')
  for (const dir of [file, join(file, 'data')]) {
    const { code, fatal, stdout, stderr } = await failedStart({ DATA_DIR: dir })
    t.equal(code, 1, dir)
    t.equal(fatal?.msg, 'could not start: the data directory (DATA_DIR) is not a directory: a file is in its place or on its path', stdout)
    t.equal(stderr, '')
  }
  t.equal(readFileSync(file, 'utf8'), 'not a directory\n', 'the file is left as it was')
})

t.test('a DATA_DIR the server may not write stops it naming DATA_DIR', async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'quire-start-'))
  t.teardown(() => rmSync(parent, { recursive: true, force: true }))
  const dir = join(parent, 'data')
  mkdirSync(dir)
  chmodSync(parent, 0o755)
  chmodSync(dir, 0o555)
  // Permissions do not stop root: the server then runs as nobody, as a container's unprivileged user would,
  // with tap's record of the process (which tap writes under .tap/ at exit) in a directory it may write.
  const asRoot = process.getuid?.() === 0
  const records = join(parent, 'tap')
  mkdirSync(records)
  chmodSync(records, 0o777)
  const { code, fatal, stdout, stderr } = asRoot
    ? await failedStart({ DATA_DIR: dir, _TAPJS_PROCESSINFO_CWD_: records }, { uid: 65534, gid: 65534 })
    : await failedStart({ DATA_DIR: dir })
  t.equal(code, 1)
  t.equal(fatal?.msg, 'could not start: the data directory (DATA_DIR) cannot be written by this process (its permissions, or a read-only file system)', stdout)
  t.equal(stderr, '')
  t.same(readdirSync(dir), [], 'nothing was written in it')
})

t.test('a HOST that is not an address of this machine stops the server naming HOST', async (t) => {
  const { code, fatal, stdout, stderr } = await failedStart({ HOST: '1.2.3.4', DATA_DIR: await pgliteDataDir(t) })
  t.equal(code, 1)
  t.equal(fatal?.msg, 'could not start: HOST 1.2.3.4 is not an address of this machine (set HOST to one of its addresses, 127.0.0.1, or 0.0.0.0 for all)', stdout)
  t.equal(stderr, '')
})

t.test('a DATABASE_URL asking for SSL of a server without it stops the server saying so, with no warning from pg first', async (t) => {
  // A server as PostgreSQL without SSL answers an SSLRequest: 'N'.
  const server = net.createServer((socket) => socket.once('data', () => socket.end('N')))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const port = (server.address() as net.AddressInfo).port
  for (const sslmode of ['require', 'verify-full']) {
    const { code, fatal, stdout, stderr } = await failedStart({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/quire?sslmode=${sslmode}` })
    t.equal(code, 1, sslmode)
    t.equal(fatal?.msg, 'could not start: the database server does not take SSL connections, but DATABASE_URL asks for SSL (sslmode or ssl): drop it, or turn SSL on in the server', stdout)
    t.equal(stderr, '', 'nothing on stderr: neither a stack trace nor pg\'s SECURITY WARNING on sslmode')
  }
})

t.test('a SITE_URL with a query or a fragment stops the server naming SITE_URL, before it opens any database', async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'quire-start-'))
  t.teardown(() => rmSync(parent, { recursive: true, force: true }))
  const dir = join(parent, 'data')
  const { code, stdout, stderr } = await failedStart({ SITE_URL: 'https://x.com/blog?utm=1#frag', DATA_DIR: dir })
  t.equal(code, 1)
  t.equal(stderr, 'Invalid configuration:\n  SITE_URL: must not have a query (?) or a fragment (#): post, tag and author URLs are made by appending paths to it (got "https://x.com/blog?utm=1#frag")\n')
  t.equal(stdout, '')
  t.notOk(existsSync(dir), 'no data directory was made')
})

t.test('a configuration error hides the whole of a DATABASE_URL\'s credentials, a password with an @ included', async (t) => {
  const { code, stdout, stderr } = await failedStart({ DATABASE_URL: 'postgres://u:p@ss@h:99999/db' })
  t.equal(code, 1)
  t.equal(stderr, 'Invalid configuration:\n  DATABASE_URL: is not a URL that can be read (a port past 65535? a space, or a character of the password to percent-encode?) (got "postgres://***@h:99999/db")\n')
  t.notMatch(stderr, 'ss@', 'no part of the password')
  t.equal(stdout, '')
})

t.test('a signal while it starts (waiting for another replica\'s migration) stops it at once, saying so, as PID 1 in a container too', {
  skip: !process.env.TEST_DATABASE_URL && 'waits on PostgreSQL\'s migration lock',
}, async (t) => {
  const { database, replica } = await migratingElsewhere(t)
  const { DATABASE_URL: _db, TEST_DATABASE_URL: _test, ...inherited } = process.env
  const child = spawn(process.execPath, builtEntryArgs('server'), {
    cwd: root,
    env: { ...inherited, HOST: '127.0.0.1', PORT: '0', SEED_DEMO: 'never', LOG_LEVEL: 'info', LOG_FORMAT: 'json', DATABASE_URL: database.url! },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  const exited = once(child, 'exit')
  // Until its migration waits for the lock the replica holds.
  const waiting = async () => (await replica.query(
    `select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
     where l.locktype = 'advisory' and not l.granted and l.objid = $1 and a.datname = current_database()`, [MIGRATION_LOCK])).rows[0].n > 0
  for (let i = 0; i < 200 && !(await waiting()); i++) await new Promise((resolve) => setTimeout(resolve, 50))
  t.ok(await waiting(), 'the server waits for the migration lock')
  child.kill('SIGTERM')
  const [code, signal] = await exited
  t.same([code, signal], [143, null], 'it handled the signal (a process that does not, as PID 1, would ignore it), and exits as one stopped by it')
  const lines = stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { msg: string; signal?: string })
  t.match(lines.at(-1), { msg: 'stopped by SIGTERM before serving', signal: 'SIGTERM' })
  t.notOk(lines.some((line) => /listening/.test(line.msg)), 'it never listened')
})
