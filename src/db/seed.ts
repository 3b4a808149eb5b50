import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { count } from 'drizzle-orm'
import { prepareContent } from '../content/prepare.js'
import type { Db } from './client.js'
import { authors, postAuthors, posts, postTags, tags } from './schema.js'

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

export async function countPosts(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(posts)
  return row?.n ?? 0
}

/** Loads the demo archive (the original posts under `demo/`) in one transaction. */
export async function seedDemoArchive(db: Db): Promise<{ posts: number }> {
  const archive = readDemoArchive()
  await db.transaction(async (tx) => {
    const authorRows = await tx.insert(authors).values(archive.authors).returning({ id: authors.id, slug: authors.slug })
    const tagRows = await tx.insert(tags).values(archive.tags).returning({ id: tags.id, slug: tags.slug })
    const authorIds = new Map(authorRows.map((a) => [a.slug, a.id]))
    const tagIds = new Map(tagRows.map((t) => [t.slug, t.id]))

    for (const post of archive.posts) {
      const content = prepareContent({ markdown: archive.bodies.get(post.slug) ?? '' }, post.excerpt)
      const publishedAt = post.publishedAt ? new Date(post.publishedAt) : null
      const [row] = await tx
        .insert(posts)
        .values({
          slug: post.slug,
          title: post.title,
          ...content,
          customExcerpt: post.excerpt ?? null,
          featured: post.featured ?? false,
          status: post.status ?? 'published',
          publishedAt,
          featureImageUrl: post.featureImage?.url ?? null,
          featureImageAlt: post.featureImage?.alt ?? null,
          canonicalUrl: post.canonicalUrl ?? null,
          createdAt: publishedAt ?? undefined,
          updatedAt: publishedAt ?? undefined,
        })
        .returning({ id: posts.id })
      const postId = row!.id
      await tx.insert(postAuthors).values(post.authors.map((slug, position) => ({ postId, authorId: mustGet(authorIds, slug), position })))
      await tx.insert(postTags).values(post.tags.map((slug, position) => ({ postId, tagId: mustGet(tagIds, slug), position })))
    }
  })
  return { posts: archive.posts.length }
}

function mustGet(map: Map<string, string>, slug: string): string {
  const id = map.get(slug)
  if (!id) throw new Error(`demo archive: unknown slug ${slug}`)
  return id
}
