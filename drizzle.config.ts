import { defineConfig } from 'drizzle-kit'

// Only `db:generate` reads this: migrations are SQL files that run on PostgreSQL and PGlite alike.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
})
