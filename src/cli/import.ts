import { readFileSync } from 'node:fs'
import type { ParsedFeed } from '../import/item.js'
import { cliArgs, withDatabase } from './run.js'

const usage = `usage: npm run import -- FILE [--dry-run]
  FILE       an RSS 2.0 or Atom 1.0 feed, or a WordPress export (WXR)
  --dry-run  report what would be created, updated and skipped; write nothing`

// Exit codes: 0 every item imported or skipped, 1 nothing imported (a bad file, no database),
// 2 wrong usage, 3 finished but some items failed (each is reported).

async function main(): Promise<void> {
  const args = cliArgs(usage, { 'dry-run': { type: 'boolean' } }, true)
  if (!args) return
  const { values, positionals } = args
  const [file, ...extra] = positionals
  if (!file || extra.length > 0) return fail(2, usage)

  const [{ FeedFormatError }, { decodeFeedFile, parseFeed }] = await Promise.all([
    import('../import/item.js'),
    import('../import/parse-feed.js'),
  ])
  // The whole file is read and parsed before the database is opened: a bad file writes nothing.
  let feed: ParsedFeed
  try {
    feed = parseFeed(decodeFeedFile(readFileSync(file)))
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    if (e instanceof FeedFormatError) return fail(1, `error: ${file} cannot be imported: ${e.message}. Nothing was imported.`)
    return fail(1, `error: cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`)
  }
  await run(feed, values['dry-run'] ?? false)
}

async function run(feed: ParsedFeed, dryRun: boolean): Promise<void> {
  const [{ importFeed }, { clippedLine, errorLine, headerLine, planLine, progressLine, summaryLine }, { demoPostsIn }] = await Promise.all([
    import('../import/import-items.js'),
    import('../import/report.js'),
    import('../db/seed.js'),
  ])
  console.error(headerLine(feed, dryRun))
  await withDatabase(async (database) => {
    const demo = await demoPostsIn(database.db)
    if (demo > 0) {
      console.error(`warning: this database holds the demo archive (${demo} of its posts): the imported posts will be listed beside them, and an author ` +
        'named like a demo author will be that author. To move a blog here, import into an empty database (started with SEED_DEMO=never), or delete the demo posts first.')
    }
    const summary = await importFeed(database.db, feed, {
      dryRun,
      onItem: (result, done, total) => {
        const error = errorLine(result)
        if (error) console.error(error)
        const clipped = clippedLine(result)
        if (clipped) console.error(clipped)
        const plan = dryRun ? planLine(result) : undefined
        if (plan) console.log(plan)
        const progress = progressLine(done, total)
        if (progress) console.error(progress)
      },
    })
    console.log(summaryLine(summary, dryRun))
    if (summary.errors.length > 0) process.exitCode = 3
  })
}

function fail(code: number, message: string): void {
  console.error(message)
  process.exitCode = code
}

await main()
