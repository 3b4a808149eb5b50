import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { and, count, eq, inArray, notExists, sql } from 'drizzle-orm'
import { prepareContent } from '../content/prepare.js'
import { lockFor } from './advisory-lock.js'
import type { Db, Executor } from './client.js'
import { authorIdsFor, insertPost, setPostAuthors, setPostTags, tagIdsFor } from '../modules/posts/write-queries.js'
import { authors, importSources, posts, tags } from './schema.js'

const demoFolder = fileURLToPath(new URL('../../demo/', import.meta.url))

interface DemoArchive {
  authors: { slug: string; name: string; title: string; bio: string; avatarUrl: string | null; websiteUrl: string | null }[]
  tags: { slug: string; name: string; description: string }[]
  posts: {
    slug: string
    title: string
    authors: string[]
    tags: string[]
    publishedAt: string | null
    status?: 'draft' | 'published'
    featured?: boolean
    excerpt?: string
    canonicalUrl?: string
    featureImage?: { url: string; alt: string }
  }[]
}

export function readDemoArchive(): DemoArchive & { bodies: Map<string, string> } {
  const archive = JSON.parse(readFileSync(`${demoFolder}archive.json`, 'utf8')) as DemoArchive
  const bodies = new Map(archive.posts.map((p) => [p.slug, readFileSync(`${demoFolder}posts/${p.slug}.md`, 'utf8')]))
  return { ...archive, bodies }
}

/**
 * How many of the database's posts are the demo archive's (by slug, and not imported): an import into such a
 * database lists the imported posts beside them, and takes a demo author for one of the same name.
 */
export async function demoPostsIn(db: Db): Promise<number> {
  const { posts: demo } = JSON.parse(readFileSync(`${demoFolder}archive.json`, 'utf8')) as DemoArchive
  const [row] = await db.select({ n: count() }).from(posts)
    .where(and(inArray(posts.slug, demo.map((p) => p.slug)), notExists(db.select({ one: sql`1` }).from(importSources).where(eq(importSources.postId, posts.id)))))
  return row?.n ?? 0
}

async function countPosts(db: Executor): Promise<number> {
  const [row] = await db.select({ n: count() }).from(posts)
  return row?.n ?? 0
}

/**
 * Loads the demo archive (the original posts under `demo/`) in one transaction, unless the database holds
 * posts: then it answers how many. Replicas starting together on an empty database take turns, and only the
 * first loads it (the others would fail on its slugs).
 */
export async function seedDemoArchive(db: Db): Promise<{ posts: number } | { existing: number }> {
  return db.transaction(async (tx) => {
    await lockFor(tx, 'seed', 'demo archive')
    const existing = await countPosts(tx)
    if (existing > 0) return { existing }
    const archive = readDemoArchive()
    await tx.insert(authors).values(archive.authors)
    await tx.insert(tags).values(archive.tags)
    // The same write steps as the API's, with the archive's own dates.
    for (const post of archive.posts) {
      const content = prepareContent({ markdown: archive.bodies.get(post.slug) ?? '' }, post.excerpt)
      const publishedAt = post.publishedAt ? new Date(post.publishedAt) : null
      const status = post.status ?? 'published'
      const postId = await insertPost(tx, {
        slug: post.slug,
        title: post.title,
        ...content,
        customExcerpt: post.excerpt ?? null,
        featured: post.featured ?? false,
        status,
        publishedAt,
        featureImageUrl: post.featureImage?.url ?? null,
        featureImageAlt: post.featureImage?.alt ?? null,
        canonicalUrl: post.canonicalUrl ?? null,
        createdAt: publishedAt ?? undefined,
        updatedAt: publishedAt ?? undefined,
      })
      await setPostAuthors(tx, postId, await authorIdsFor(tx, post.authors))
      await setPostTags(tx, postId, await tagIdsFor(tx, post.tags, { status, publishedAt }))
    }
    return { posts: archive.posts.length }
  })
}
