import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createDb, type Database } from '../../src/db/client.js'
import { pgliteDataDir, testDatabase } from '../helper.js'
import { runCli } from '../support/cli.js'

const apikey = (env: Record<string, string>, ...args: string[]) => runCli('apikey', env, ...args)

t.test('npm run apikey -- create / list / revoke', async (t) => {
  // PostgreSQL when the suite runs on it, else an embedded database in a temporary DATA_DIR.
  let env: Record<string, string>
  let open: () => Promise<Database>
  if (process.env.TEST_DATABASE_URL) {
    const database = await testDatabase(t, { seed: false })
    env = { DATABASE_URL: (database as { url?: string }).url! }
    open = async () => database
  } else {
    const dir = await pgliteDataDir(t)
    env = { DATA_DIR: dir }
    open = () => createDb({ databaseUrl: undefined, dataDir: dir })
  }

  const created = await apikey(env, 'create', '--name', 'deploy bot')
  t.equal(created.code, 0, created.stderr)
  const key = /quire_[\w-]{43}/.exec(created.stdout)?.[0]
  const id = /created key ([0-9a-f-]{36})/.exec(created.stdout)?.[1]
  t.ok(key, 'the key is shown once')
  t.ok(id)

  const listed = await apikey(env, 'list')
  t.match(listed.stdout, /deploy bot\s+active/)
  t.notMatch(listed.stdout, new RegExp(key!), 'list never shows the key')

  const write = async () => {
    const database = await open()
    const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { database })
    try {
      return (await app.inject({ method: 'POST', url: '/v1/tags', headers: { authorization: `Bearer ${key}` }, payload: { name: 'From CI' } })).statusCode
    } finally {
      await app.close()
      if (!process.env.TEST_DATABASE_URL) await database.close()
    }
  }
  t.equal(await write(), 201, 'the key authorises a write')

  const revoked = await apikey(env, 'revoke', id!)
  t.equal(revoked.code, 0)
  t.match((await apikey(env, 'list')).stdout, /deploy bot\s+revoked/)
  t.equal(await write(), 401, 'a revoked key no longer works')

  t.equal((await apikey(env, 'revoke', id!)).code, 1, 'revoking twice fails')
  t.equal((await apikey(env, 'create')).code, 2, 'create needs --name')
  const prefix = await apikey(env, 'revoke', id!.slice(0, 8))
  t.equal(prefix.code, 2)
  t.match(prefix.stderr, /revoke takes a key's full id/, 'a prefix is refused with the reason')
})

t.test('the CLI refuses an embedded database another process holds', { skip: Boolean(process.env.TEST_DATABASE_URL) }, async (t) => {
  const dir = await pgliteDataDir(t)
  const database = await createDb({ databaseUrl: undefined, dataDir: dir })
  t.teardown(() => database.close())
  const res = await apikey({ DATA_DIR: dir }, 'list')
  t.equal(res.code, 1)
  t.match(res.stderr, /in use by process \d+/)
})
