import { prepareContent } from '../content/prepare.js'
import type { Db, Tx } from '../db/client.js'
import { posts } from '../db/schema.js'
import { writeTransaction } from '../db/transaction.js'
import { uniqueSlugFor } from '../lib/unique-slug.js'
import {
  idsNamedCreating, insertPost, lockPost, setPostAuthors, setPostTags, updatePostRow, type LinkedPost, type PostValues,
} from '../modules/posts/write-queries.js'
import { contentHash, type ImportItem, type ParsedFeed } from './item.js'
import { insertImported, loadImported, updateImported, type ImportedItem } from './queries.js'

export type Outcome = 'created' | 'updated' | 'unchanged' | 'ignored' | 'error'

export interface ItemResult {
  position: number
  label: string
  outcome: Outcome
  /** Why an item was ignored or failed. */
  reason?: string
  /** What was clipped or dropped to fit the write API's limits, when the item is written (or would be). */
  clipped?: string[]
  /** The post it became (not in a dry run). */
  postId?: string
}

export interface ImportSummary {
  created: number
  updated: number
  /** Unchanged since the last run, or not a post (see `ignored`). */
  skipped: number
  unchanged: number
  ignored: number
  errors: ItemResult[]
  /** Of the items written (or that would be), those clipped to fit the write API's limits. */
  clipped: number
}

export interface ImportOptions {
  /** Decide what each item would become, and write nothing. */
  dryRun?: boolean
  /** Called after each item, in file order: for progress and per-item reports. */
  onItem?: (result: ItemResult, done: number, total: number) => void
}

/**
 * Imports a parsed feed. Each item is recognised by its id in its source: new items become posts, items
 * whose content changed since the last run update their post in place (same id, same slug), unchanged
 * ones are skipped, so running an import twice writes nothing the second time. Each item is written in
 * its own transaction: a failing item is reported, and the items before and after it are kept.
 */
export async function importFeed(db: Db, feed: ParsedFeed, options: ImportOptions = {}): Promise<ImportSummary> {
  const imported = await loadImported(db, feed.source)
  const summary: ImportSummary = { created: 0, updated: 0, skipped: 0, unchanged: 0, ignored: 0, errors: [], clipped: 0 }
  const total = feed.entries.length

  for (const [index, entry] of feed.entries.entries()) {
    const { position, label } = entry
    let result: ItemResult
    if (entry.kind === 'ignored') result = { position, label, outcome: 'ignored', reason: entry.reason }
    else if (entry.kind === 'invalid') result = { position, label, outcome: 'error', reason: entry.reason }
    else {
      const hash = contentHash(entry.item)
      const prior = imported.get(entry.item.sourceId)
      // Said when the item is written: an unchanged one was clipped, and said so, on the run that wrote it.
      const clipped = entry.clipped.length > 0 ? { clipped: entry.clipped } : {}
      try {
        if (prior?.contentHash === hash) result = { position, label, outcome: 'unchanged', postId: prior.postId }
        else if (options.dryRun) result = { position, label, outcome: prior ? 'updated' : 'created', postId: prior?.postId, ...clipped }
        else {
          const postId = await writeTransaction(db, (tx) => (prior ? updateFrom(tx, feed.source, entry.item, hash, prior) : createFrom(tx, feed.source, entry.item, hash)))
          imported.set(entry.item.sourceId, { postId, contentHash: hash })
          result = { position, label, outcome: prior ? 'updated' : 'created', postId, ...clipped }
        }
      } catch (error) {
        result = { position, label, outcome: 'error', reason: (error as Error).message }
      }
    }
    count(summary, result)
    options.onItem?.(result, index + 1, total)
  }
  return summary
}

function count(summary: ImportSummary, result: ItemResult): void {
  switch (result.outcome) {
    case 'created': summary.created++; break
    case 'updated': summary.updated++; break
    case 'unchanged': summary.unchanged++; summary.skipped++; break
    case 'ignored': summary.ignored++; summary.skipped++; break
    case 'error': summary.errors.push(result); break
  }
  if (result.clipped) summary.clipped++
}

/** The row's fields that come from the item, through the same content pipeline as the write API. */
function postValues(item: ImportItem): Omit<PostValues, 'slug'> {
  return {
    title: item.title,
    ...prepareContent({ html: item.html }, item.excerpt),
    customExcerpt: item.excerpt,
    status: item.status,
    publishedAt: item.publishedAt,
    featured: item.featured,
    featureImageUrl: item.featureImage?.url ?? null,
    featureImageAlt: item.featureImage?.alt ?? null,
  }
}

/** Authors and tags by name (tags else by the slug the source gives), found or created for `post` as written (see idsNamedCreating). */
async function linkPost(tx: Tx, postId: string, item: ImportItem, post: LinkedPost): Promise<void> {
  await setPostAuthors(tx, postId, await idsNamedCreating(tx, 'author', item.authors.map((name) => ({ name })), post))
  await setPostTags(tx, postId, await idsNamedCreating(tx, 'tag', item.tags, post))
}

async function createFrom(tx: Tx, source: string, item: ImportItem, hash: string): Promise<string> {
  // The source's slug (or the old URL's last segment) when it is free, so old paths keep working.
  const slug = await uniqueSlugFor(tx, posts, item.slug ?? item.title, 'post')
  // An archive keeps its history: created when first published (a draft: when last edited), updated when
  // the source says; never later than now (a post scheduled at its source was not written in the future,
  // and an update ahead would sort it first by updatedAt).
  const now = new Date()
  const past = (date: Date | null) => (date && date > now ? now : date ?? undefined)
  const createdAt = past(item.publishedAt ?? item.updatedAt)
  const postId = await insertPost(tx, { slug, ...postValues(item), createdAt, updatedAt: past(item.updatedAt) ?? createdAt })
  await linkPost(tx, postId, item, item)
  await insertImported(tx, source, item.sourceId, { postId, contentHash: hash })
  return postId
}

async function updateFrom(tx: Tx, source: string, item: ImportItem, hash: string, prior: ImportedItem): Promise<string> {
  const current = await lockPost(tx, prior.postId)
  if (!current) throw new Error('its post was deleted while importing')
  // The slug stays: it may have been published, or renamed in Quire since. So do the status and date of an
  // item the source gives no date: an editor dated and published it, or not, in Quire.
  const all = postValues(item)
  const { status: _status, publishedAt: _publishedAt, ...undated } = all
  await updatePostRow(tx, current.id, item.undated ? undated : all)
  await linkPost(tx, current.id, item, item.undated ? current : item)
  await updateImported(tx, source, item.sourceId, hash)
  return current.id
}
