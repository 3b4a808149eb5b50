import { withDatabase } from './run.js'

// `npm run db:migrate`: apply drizzle/ migrations to DATABASE_URL, or to the embedded database in DATA_DIR.
await withDatabase(async (database) => {
  console.log(`migrations applied (${database.kind})`)
})
