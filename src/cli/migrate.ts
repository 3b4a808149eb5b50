import { cliArgs, withDatabase } from './run.js'

const usage = `usage: npm run db:migrate
  applies the migrations in drizzle/ to DATABASE_URL, or to the embedded database in DATA_DIR`

if (cliArgs(usage, {})) {
  await withDatabase(async (database) => {
    console.log(`migrations applied (${database.kind})`)
  })
}
