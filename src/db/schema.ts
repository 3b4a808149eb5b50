import { sql } from 'drizzle-orm'
import { bigint, boolean, check, customType, index, integer, pgTable, primaryKey, smallint, text, timestamp, uuid, uniqueIndex } from 'drizzle-orm/pg-core'
import { alphabetical } from './sort-key.js'

/** PostgreSQL's tsvector: kept current by triggers (see the search migration), never written by the app. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' })

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
}

export const authors = pgTable('authors', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  /** Job title, e.g. "Software Architect". */
  title: text('title'),
  bio: text('bio'),
  avatarUrl: text('avatar_url'),
  websiteUrl: text('website_url'),
  ...timestamps,
}, (t) => [index('authors_name_key_idx').on(alphabetical(t.name), t.id)])

export const tags = pgTable('tags', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  description: text('description'),
  /** Brought in by a post the public could not see yet: hidden until one of its posts is public (see shownToPublic). */
  hiddenUntilPublished: boolean('hidden_until_published').notNull().default(false),
  ...timestamps,
}, (t) => [index('tags_name_key_idx').on(alphabetical(t.name), t.id)])

export const posts = pgTable('posts', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  /** The excerpt served: the custom one when set, else derived from the text at write time. */
  excerpt: text('excerpt').notNull(),
  customExcerpt: text('custom_excerpt'),
  html: text('html').notNull(),
  markdown: text('markdown'),
  featured: boolean('featured').notNull().default(false),
  status: text('status', { enum: ['draft', 'published'] }).notNull().default('draft'),
  publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
  wordCount: integer('word_count').notNull(),
  readingTimeMinutes: integer('reading_time_minutes').notNull(),
  featureImageUrl: text('feature_image_url'),
  featureImageAlt: text('feature_image_alt'),
  canonicalUrl: text('canonical_url'),
  /** The visible text of the body, for search snippets (computed at write time). */
  bodyText: text('body_text'),
  /** Title (A), excerpt and tag names (B), body (D): maintained by the database, indexed with GIN. */
  searchVector: tsvector('search_vector'),
  /**
   * Title (A), excerpt and tag names (B): what a search ranks by, maintained with the search vector. Small
   * enough to stay in the row, where the search vector (kilobytes) is stored out of line.
   */
  rankVector: tsvector('rank_vector'),
  /**
   * When the post's representation last changed without an edit to it (updatedAt stays), as its Last-Modified
   * says: an author or tag it shows changed (renamed, retitled, a tag deleted), or its html was sanitised
   * again under newer rules (sanitizerVersion). The name is the first of these.
   */
  linksChangedAt: timestamp('links_changed_at', { withTimezone: true, mode: 'date' }),
  /**
   * The version of the sanitiser's rules (SANITIZER_VERSION) the html was last written under; null for html
   * stored before the rules had versions (a pass that leaves it as it is does not write it). Older html is
   * sanitised again after migrations, once for each version (backfill.ts).
   */
  sanitizerVersion: smallint('sanitizer_version'),
  ...timestamps,
}, (t) => [
  index('posts_search_idx').using('gin', t.searchVector),
  check('posts_status_check', sql`${t.status} in ('draft', 'published')`),
  check('posts_published_at_check', sql`${t.status} = 'draft' or ${t.publishedAt} is not null`),
  // The public listing: published posts newest first (visibility adds published_at <= now()).
  index('posts_published_idx').on(t.publishedAt.desc(), t.id.desc()).where(sql`${t.status} = 'published'`),
  index('posts_featured_idx').on(t.publishedAt.desc(), t.id.desc()).where(sql`${t.status} = 'published' and ${t.featured}`),
  index('posts_updated_idx').on(t.updatedAt.desc(), t.id.desc()),
  index('posts_title_key_idx').on(alphabetical(t.title), t.id),
])

export const postAuthors = pgTable('post_authors', {
  postId: uuid('post_id').notNull().references(() => posts.id, { onDelete: 'cascade' }),
  authorId: uuid('author_id').notNull().references(() => authors.id, { onDelete: 'restrict' }),
  position: integer('position').notNull(),
}, (t) => [
  primaryKey({ columns: [t.postId, t.authorId] }),
  uniqueIndex('post_authors_order_idx').on(t.postId, t.position),
  index('post_authors_author_idx').on(t.authorId, t.postId),
])

export const postTags = pgTable('post_tags', {
  postId: uuid('post_id').notNull().references(() => posts.id, { onDelete: 'cascade' }),
  tagId: uuid('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' }),
  position: integer('position').notNull(),
}, (t) => [
  primaryKey({ columns: [t.postId, t.tagId] }),
  uniqueIndex('post_tags_order_idx').on(t.postId, t.position),
  index('post_tags_tag_idx').on(t.tagId, t.postId),
])

export const resourceKinds = ['post', 'tag', 'author'] as const
export type ResourceKind = (typeof resourceKinds)[number]

/** Slugs a resource had before: the public read of one answers 301 to the current slug. */
export const slugHistory = pgTable('slug_history', {
  kind: text('kind', { enum: resourceKinds }).notNull(),
  oldSlug: text('old_slug').notNull(),
  targetId: uuid('target_id').notNull(),
  createdAt: timestamps.createdAt,
}, (t) => [
  primaryKey({ columns: [t.kind, t.oldSlug] }),
  index('slug_history_target_idx').on(t.targetId),
])

/**
 * The feeds of tags and authors that a public post left, and when: the post unpublished (or put back to a
 * later time) or deleted, or the tag or author taken off it. What the posts are now no longer names these
 * feeds, so triggers note each departure as it happens (see the websub_topics migration), and the WebSub
 * rounds (src/feeds/websub.ts) read them. A log, only ever added to (writes that share a tag never wait for
 * one another here), and pruned as it grows old.
 */
export const feedDepartures = pgTable('feed_departures', {
  kind: text('kind', { enum: ['tag', 'author'] }).notNull(),
  targetId: uuid('target_id').notNull(),
  departedAt: timestamp('departed_at', { withTimezone: true, mode: 'date' }).notNull(),
}, (t) => [index('feed_departures_departed_at_idx').on(t.departedAt)])

/**
 * How far the WebSub hub has been told of changes (src/feeds/websub.ts): the moment, by the database's clock,
 * up to which a round of pings, every one of which the hub took, named the feeds that changed. A replica
 * starting names those changed since, made while none ran (an import, a scheduled post going live). One row.
 */
export const websubState = pgTable('websub_state', {
  id: integer('id').primaryKey().default(1),
  pingedUntil: timestamp('pinged_until', { withTimezone: true, mode: 'date' }).notNull(),
}, (t) => [check('websub_state_single_row', sql`${t.id} = 1`)])

/**
 * One row that every public content change advances (statement-level triggers on the content tables, see
 * the migrations): the basis of feed Last-Modified and of response caching that is never stale.
 */
export const contentState = pgTable('content_state', {
  id: integer('id').primaryKey().default(1),
  version: bigint('version', { mode: 'number' }).notNull().default(1),
  changedAt: timestamp('changed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  /**
   * The sanitiser's rules (SANITIZER_VERSION) every post's html has been checked against: posts stored under
   * older ones were sanitised again (src/db/backfill.ts). Null before the first such pass.
   */
  sanitizerVersion: smallint('sanitizer_version'),
}, (t) => [check('content_state_single_row', sql`${t.id} = 1`)])

/**
 * The transactions that changed what the public sees and have yet to commit, one row each: the content
 * version is advanced as each commits (a deferred trigger on this table, drizzle/0010), not at its first
 * change, so no transaction holds content_state's row while it waits for another lock.
 */
export const contentPending = pgTable('content_pending', {
  txid: bigint('txid', { mode: 'number' }).primaryKey(),
})

/**
 * Secrets the service makes for itself, once, when its configuration gives none (CURSOR_SECRET): kept in
 * the database, every replica and every restart uses the same one.
 */
export const serviceSecrets = pgTable('service_secrets', {
  name: text('name').primaryKey(),
  /** A secret (32 random bytes, base64url), or a value made once that need not be secret (see db/secrets.ts). */
  value: text('value').notNull(),
  createdAt: timestamps.createdAt,
})

/** API keys for the write API: only a SHA-256 hash of the key is stored; the key is shown once. */
export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** The key's first characters, to tell keys apart in listings without revealing them. */
  prefix: text('prefix').notNull(),
  hash: text('hash').notNull().unique(),
  createdAt: timestamps.createdAt,
  lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
})

/**
 * Which post an imported item became (`npm run import`): re-running an import finds its posts here by the
 * item's id in its source, skips those whose content hash is unchanged and updates the others in place.
 */
export const importSources = pgTable('import_sources', {
  /** The blog the item came from: its feed or site URL (or id). */
  source: text('source').notNull(),
  /** The item's id there: RSS guid (or link), Atom id, WordPress guid (or post id). */
  sourceId: text('source_id').notNull(),
  postId: uuid('post_id').notNull().references(() => posts.id, { onDelete: 'cascade' }),
  contentHash: text('content_hash').notNull(),
  importedAt: timestamp('imported_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
}, (t) => [
  primaryKey({ columns: [t.source, t.sourceId] }),
  uniqueIndex('import_sources_post_idx').on(t.postId),
])
