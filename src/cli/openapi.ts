import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { cliArgs } from './run.js'

export const openapiPath = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url))

/** The OpenAPI document as the app generates it under the default configuration (so it is reproducible). */
export async function generateOpenapi(): Promise<string> {
  const [{ buildApp }, { loadConfig }, { createDb }, { migrate }] = await Promise.all([
    import('../app.js'),
    import('../config.js'),
    import('../db/client.js'),
    import('../db/migrate.js'),
  ])
  const config = { ...loadConfig({}), logLevel: 'silent' as const }
  const database = await createDb({ databaseUrl: undefined, dataDir: 'memory://' })
  // Migrated, as every database the app is given: building it reads the content version and its secrets.
  await migrate(database)
  const app = await buildApp(config, { database })
  try {
    await app.ready()
    return `${JSON.stringify(app.swagger(), null, 2)}\n`
  } finally {
    await app.close()
    await database.close()
  }
}

const usage = `usage: npm run openapi
  writes openapi/openapi.json, the OpenAPI document the routes' schemas make (commit it with them)`

if (process.argv[1] === fileURLToPath(import.meta.url) && cliArgs(usage, {})) {
  writeFileSync(openapiPath, await generateOpenapi())
  console.log(`wrote ${openapiPath}`)
}
