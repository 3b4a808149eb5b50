import { cliArgs, withDatabase } from './run.js'

const usage = `usage: npm run db:seed
  loads the demo archive into DATABASE_URL (or the embedded database in DATA_DIR) while it holds no posts`

if (cliArgs(usage, {})) await withDatabase(async (database) => {
  const { countPosts, seedDemoArchive } = await import('../db/seed.js')
  const existing = await countPosts(database.db)
  if (existing > 0) {
    console.log(`the database already holds ${existing} posts; the demo archive was not loaded`)
    return
  }
  const { posts } = await seedDemoArchive(database.db)
  console.log(`loaded the demo archive: ${posts} posts (${database.kind})`)
})
