import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { importFeed, type ImportSummary, type ItemResult } from '../import/import-items.js'
import { FeedFormatError, FORMAT_NAMES, type ParsedFeed } from '../import/item.js'
import { decodeFeedFile, parseFeed } from '../import/parse-feed.js'
import { withDatabase } from './run.js'

const usage = `usage: npm run import -- FILE [--dry-run]
  FILE       an RSS 2.0 or Atom 1.0 feed, or a WordPress export (WXR)
  --dry-run  report what would be created, updated and skipped; write nothing`

// Below this many items an import takes a moment: progress lines would only repeat the summary.
const PROGRESS_FROM = 50

// Exit codes: 0 all imported or skipped, 1 nothing imported (bad file, database), 2 usage, 3 some items failed.
function main(): void {
  let values: { 'dry-run'?: boolean; help?: boolean }
  let positionals: string[]
  try {
    ;({ values, positionals } = parseArgs({ options: { 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true }))
  } catch (error) {
    return fail(2, `${(error as Error).message}\n${usage}`)
  }
  if (values.help) return void console.log(usage)
  const [file, ...extra] = positionals
  if (!file || extra.length > 0) return fail(2, usage)

  let feed: ParsedFeed
  try {
    feed = parseFeed(decodeFeedFile(readFileSync(file)))
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    if (e instanceof FeedFormatError) return fail(1, `error: ${file} cannot be imported: ${e.message}. Nothing was imported.`)
    return fail(1, `error: cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`)
  }
  void run(feed, values['dry-run'] ?? false)
}

async function run(feed: ParsedFeed, dryRun: boolean): Promise<void> {
  const total = feed.entries.length
  console.error(`${dryRun ? 'Dry run: reading' : 'Importing'} "${feed.title}" (${FORMAT_NAMES[feed.format]}, ${total} items, source ${feed.source})`)
  const step = Math.ceil(total / 10)
  await withDatabase(async (database) => {
    const summary = await importFeed(database.db, feed, {
      dryRun,
      onItem: (result, done) => {
        if (result.outcome === 'error') console.error(`error: ${result.label}: ${result.reason}`)
        if (dryRun && result.outcome !== 'error') console.log(`${planned(result)} ${result.label}`)
        if (total >= PROGRESS_FROM && (done % step === 0 || done === total)) console.error(`progress: ${done}/${total} items (${Math.floor((done / total) * 100)}%)`)
      },
    })
    console.log(summaryLine(summary, dryRun))
    if (summary.errors.length > 0) process.exitCode = 3
  })
}

function planned(result: ItemResult): string {
  const verbs = { created: 'would create', updated: 'would update', unchanged: 'unchanged   ', ignored: 'not a post  ', error: '' }
  return verbs[result.outcome]
}

function summaryLine(s: ImportSummary, dryRun: boolean): string {
  const skipped = `skipped ${s.skipped}${s.skipped > 0 ? ` (${s.unchanged} unchanged, ${s.ignored} not posts)` : ''}`
  const counts = `created ${s.created}, updated ${s.updated}, ${skipped}, errors ${s.errors.length}`
  return dryRun ? `dry run, nothing written: would have ${counts}` : counts
}

function fail(code: number, message: string): void {
  console.error(message)
  process.exitCode = code
}

main()
