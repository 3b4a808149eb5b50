import t from 'tap'
import type { ImportSummary } from '../../src/import/import-items.js'
import { clippedLine, errorLine, headerLine, planLine, progressLine, summaryLine } from '../../src/import/report.js'
import type { FeedEntry } from '../../src/import/item.js'

t.test('a long import prints its progress at every tenth; a short one does not', async (t) => {
  const lines = (total: number) => Array.from({ length: total }, (_, i) => progressLine(i + 1, total)).filter(Boolean)
  t.same(lines(60), [6, 12, 18, 24, 30, 36, 42, 48, 54, 60].map((n) => `progress: ${n}/60 items (${Math.floor((n * 100) / 60)}%)`))
  t.equal(lines(1234).length, 10)
  t.equal(lines(1234).at(-1), 'progress: 1234/1234 items (100%)', 'the last line is the end, even when the step does not divide the total')
  t.same(lines(49), [], 'a 49-item import is quick enough to need none')
})

t.test('the summary counts created, updated, skipped (unchanged or not posts) and errors', async (t) => {
  const summary: ImportSummary = {
    created: 3, updated: 1, skipped: 5, unchanged: 4, ignored: 1,
    errors: [{ position: 7, label: 'item 7 "Broken"', outcome: 'error', reason: 'it has no publication date' }], clipped: 0,
  }
  t.equal(summaryLine(summary, false), 'created 3, updated 1, skipped 5 (4 unchanged, 1 not posts), errors 1')
  t.equal(summaryLine({ ...summary, skipped: 0, unchanged: 0, ignored: 0 }, true), 'dry run, nothing written: would have created 3, updated 1, skipped 0, errors 1')
  t.equal(errorLine(summary.errors[0]!), 'error: item 7 "Broken": it has no publication date')
  t.equal(planLine({ position: 1, label: 'item 1 "A"', outcome: 'created' }), 'would create item 1 "A"')
  t.equal(planLine({ position: 2, label: 'item 2 "B"', outcome: 'ignored', reason: 'a page' }), 'not a post   item 2 "B"')
  t.equal(planLine(summary.errors[0]!), undefined, 'errors have their own line')
})

t.test('an item clipped to fit the write API is reported with what was clipped; the summary counts such items when there are some', async (t) => {
  const clipped = { position: 3, label: 'item 3 "Long"', outcome: 'created' as const, clipped: ['its title (412 characters) was clipped to 300', 'its last 10 tags (of 60) were dropped: a post takes 50'] }
  t.equal(clippedLine(clipped), 'warning: item 3 "Long": its title (412 characters) was clipped to 300; its last 10 tags (of 60) were dropped: a post takes 50')
  t.equal(clippedLine({ position: 4, label: 'item 4', outcome: 'created' }), undefined, 'an item that fits has no warning')
  const summary: ImportSummary = { created: 2, updated: 0, skipped: 0, unchanged: 0, ignored: 0, errors: [], clipped: 1 }
  t.equal(summaryLine(summary, false), 'created 2, updated 0, skipped 0, errors 0, clipped 1 (see the warnings)')
  t.equal(summaryLine({ ...summary, clipped: 0 }, true), 'dry run, nothing written: would have created 2, updated 0, skipped 0, errors 0')
})

t.test('the header names the feed and how many items it has, in words that agree', async (t) => {
  const feed = (entries: number) => ({ format: 'rss' as const, source: 'https://notes.example.org', title: 'Notes', entries: Array.from({ length: entries }, () => ({}) as FeedEntry) })
  t.equal(headerLine(feed(1), false), 'Importing "Notes" (RSS 2.0, 1 item, source https://notes.example.org)')
  t.equal(headerLine(feed(0), true), 'Dry run: reading "Notes" (RSS 2.0, 0 items, source https://notes.example.org)')
  t.equal(headerLine(feed(2), false), 'Importing "Notes" (RSS 2.0, 2 items, source https://notes.example.org)')
})
