import { cliArgs, withDatabase } from './run.js'

const queries = () => import('../modules/apikeys/queries.js')

const usage = `usage:
  npm run apikey -- create --name NAME   make a key (shown once: store it now)
  npm run apikey -- list                 list keys (names, prefixes, last use)
  npm run apikey -- revoke ID            revoke a key for good`

const args = cliArgs(usage, { name: { type: 'string' } }, true)
const [command, arg] = args?.positionals ?? []
const values = args?.values ?? {}
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

if (!args) {
  // answered: --help, or a usage error
} else if (command === 'create' && values.name?.trim()) {
  await withDatabase(async (database) => {
    const { createApiKey } = await queries()
    const { key, row } = await createApiKey(database.db, values.name!.trim())
    console.log(`created key ${row.id} (${row.name})\n\n  ${key}\n\nThis is the only time the key is shown: only its hash is stored.`)
  })
} else if (command === 'list') {
  await withDatabase(async (database) => {
    const { listApiKeys } = await queries()
    const rows = await listApiKeys(database.db)
    if (rows.length === 0) console.log('no keys yet')
    for (const k of rows) {
      const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active'
      console.log(`${k.id}  ${k.prefix}…  ${k.name}  ${state}  created ${k.createdAt.toISOString()}  last used ${k.lastUsedAt?.toISOString() ?? 'never'}`)
    }
  })
} else if (command === 'revoke' && arg && uuid.test(arg)) {
  await withDatabase(async (database) => {
    const { revokeApiKey } = await queries()
    const row = await revokeApiKey(database.db, arg)
    if (!row) {
      console.error(`no active key has the id ${arg}`)
      process.exitCode = 1
      return
    }
    console.log(`revoked ${row.id} (${row.name})`)
  })
} else if (command === 'revoke' && arg) {
  console.error(`revoke takes a key's full id, as \`list\` shows it (got "${arg}")`)
  process.exitCode = 2
} else {
  console.error(usage)
  process.exitCode = 2
}
