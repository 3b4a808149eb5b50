import type { ImportSummary, ItemResult } from './import-items.js'
import { FORMAT_NAMES, type ParsedFeed } from './item.js'

// What `npm run import` prints, as pure functions: the CLI only chooses stdout or stderr.

/** Below this many items an import takes a moment: progress lines would only repeat the summary. */
export const PROGRESS_FROM = 50

export function headerLine(feed: ParsedFeed, dryRun: boolean): string {
  const items = `${feed.entries.length} item${feed.entries.length === 1 ? '' : 's'}`
  const what = `"${feed.title}" (${FORMAT_NAMES[feed.format]}, ${items}, source ${feed.source})`
  return dryRun ? `Dry run: reading ${what}` : `Importing ${what}`
}

/** A line at every tenth of a long import (and at its end), else undefined. */
export function progressLine(done: number, total: number): string | undefined {
  if (total < PROGRESS_FROM) return undefined
  const step = Math.ceil(total / 10)
  if (done % step !== 0 && done !== total) return undefined
  return `progress: ${done}/${total} items (${Math.floor((done * 100) / total)}%)`
}

/** What a dry run says of each item (errors are reported on their own). */
export function planLine(result: ItemResult): string | undefined {
  const verbs: Record<ItemResult['outcome'], string | undefined> = {
    created: 'would create',
    updated: 'would update',
    unchanged: 'unchanged   ',
    ignored: 'not a post  ',
    error: undefined,
  }
  const verb = verbs[result.outcome]
  return verb && `${verb} ${result.label}`
}

export function errorLine(result: ItemResult): string | undefined {
  return result.outcome === 'error' ? `error: ${result.label}: ${result.reason}` : undefined
}

/** What was clipped or dropped from an item to fit the write API's limits, else undefined. */
export function clippedLine(result: ItemResult): string | undefined {
  return result.clipped?.length ? `warning: ${result.label}: ${result.clipped.join('; ')}` : undefined
}

export function summaryLine(s: ImportSummary, dryRun: boolean): string {
  const skipped = `skipped ${s.skipped}${s.skipped > 0 ? ` (${s.unchanged} unchanged, ${s.ignored} not posts)` : ''}`
  // Clipped items are counted only when there are some: they are rare, and each has had its warning.
  const clipped = s.clipped > 0 ? `, clipped ${s.clipped} (see the warnings)` : ''
  const counts = `created ${s.created}, updated ${s.updated}, ${skipped}, errors ${s.errors.length}${clipped}`
  return dryRun ? `dry run, nothing written: would have ${counts}` : counts
}
