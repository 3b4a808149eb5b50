import { cliArgs, withDatabase } from './run.js'

const usage = `usage: npm run db:seed
  loads the demo archive into DATABASE_URL (or the embedded database in DATA_DIR) while it holds no posts`

if (cliArgs(usage, {})) await withDatabase(async (database) => {
  const { seedDemoArchive } = await import('../db/seed.js')
  const seeded = await seedDemoArchive(database.db)
  if ('existing' in seeded) console.log(`the database already holds ${seeded.existing} posts; the demo archive was not loaded`)
  else console.log(`loaded the demo archive: ${seeded.posts} posts (${database.kind})`)
})
