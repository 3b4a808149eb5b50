import { countPosts, seedDemoArchive } from '../db/seed.js'
import { withDatabase } from './run.js'

// `npm run db:seed`: load the demo archive into a database that holds no posts yet.
await withDatabase(async (database) => {
  const existing = await countPosts(database.db)
  if (existing > 0) {
    console.log(`the database already holds ${existing} posts; the demo archive was not loaded`)
    return
  }
  const { posts } = await seedDemoArchive(database.db)
  console.log(`loaded the demo archive: ${posts} posts (${database.kind})`)
})
