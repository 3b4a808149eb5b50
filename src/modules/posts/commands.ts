import type { Config } from '../../config.js'
import type { ContentPreparer } from '../../content/prepare-off-thread.js'
import { derivedExcerptOf, type PostBody } from '../../content/prepare.js'
import type { Db, Executor } from '../../db/client.js'
import { posts } from '../../db/schema.js'
import { writeTransaction, writeUnlessUnchanged } from '../../db/transaction.js'
import { assertPreconditions, type Preconditions } from '../../lib/conditional.js'
import { InvalidFieldsError } from '../../lib/errors.js'
import { uniqueSlugFor } from '../../lib/unique-slug.js'
import { forgetSlugs, noSuchResource, recordSlugChange } from '../slugs/queries.js'
import { findPostWithLinks, postChangedAt } from './queries.js'
import type { Post } from './schemas.js'
import { toPost } from './serialize.js'
import { isPublicRow } from './visibility.js'
import type { PostCreateBody, PostPatchBody } from './write-schemas.js'
import {
  authorIdsFor, deletePostRow, insertPost, lockPost, setPostAuthors, setPostTags, tagIdsFor, updatePostRow, type PostValues,
} from './write-queries.js'

type Site = Config['site']

// Each use case is one transaction: the row, its authors and tags and its slug history commit together
// or not at all.

function bodyOf(input: { markdown?: string; html?: string }): PostBody | undefined {
  if (input.markdown !== undefined && input.html !== undefined) {
    throw new InvalidFieldsError([['markdown', 'html'], ['html', 'markdown']].map(([name, other]) => ({ in: 'body', name: `/${name}`, message: `cannot be given with ${other}: give one or the other` })))
  }
  if (input.markdown !== undefined) return { markdown: input.markdown }
  if (input.html !== undefined) return { html: input.html }
  return undefined
}

/** A published post needs a publication time: now, unless one was given. */
function publicationTime(status: 'draft' | 'published', given: string | null | undefined, current: Date | null): Date | null {
  if (given !== undefined) return given === null ? (status === 'published' ? new Date() : null) : new Date(given)
  return current ?? (status === 'published' ? new Date() : null)
}

/** A post as GET /v1/posts/{id} shows it to a key holder: drafts too. */
async function representPost(db: Executor, id: string, site: Site): Promise<Post | undefined> {
  const found = await findPostWithLinks(db, id, 'all')
  return found && toPost(found.row, found.links, site)
}

export async function createPost(db: Db, content: ContentPreparer, input: PostCreateBody, site: Site): Promise<Post> {
  const body = bodyOf(input)
  if (!body) throw new InvalidFieldsError(['/markdown', '/html'].map((name) => ({ in: 'body', name, message: 'is missing: a post needs markdown or html' })))
  // Prepared before the transaction, which would otherwise wait for it (a retried one, more than once).
  const prepared = await content.prepare(body, input.excerpt)
  return writeTransaction(db, async (tx) => {
    const authorIds = await authorIdsFor(tx, input.authors)
    const slug = input.slug ?? (await uniqueSlugFor(tx, posts, input.title, 'post'))
    const status = input.status ?? 'draft'
    const values: PostValues = {
      slug,
      title: input.title.trim(),
      ...prepared,
      customExcerpt: input.excerpt?.trim() || null,
      status,
      publishedAt: publicationTime(status, input.publishedAt, null),
      featured: input.featured ?? false,
      featureImageUrl: input.featureImage?.url ?? null,
      featureImageAlt: input.featureImage?.alt ?? null,
      canonicalUrl: input.canonicalUrl ?? null,
    }
    const postId = await insertPost(tx, values)
    await setPostAuthors(tx, postId, authorIds)
    await setPostTags(tx, postId, await tagIdsFor(tx, input.tags ?? [], { status, publishedAt: values.publishedAt ?? null }))
    return (await representPost(tx, postId, site))!
  })
}

export async function updatePost(
  db: Db, content: ContentPreparer, idOrSlug: string, patch: PostPatchBody, preconditions: Preconditions<Post>, site: Site,
): Promise<Post> {
  const body = bodyOf(patch)
  // Prepared before the transaction, which holds the post's lock meanwhile (and, on PGlite, the only
  // connection: every other query would wait for the body). Its excerpt is the derived one until the
  // transaction knows whether the post keeps a custom one.
  const prepared = body && await content.prepare(body, null)
  return writeUnlessUnchanged(db, async (tx) => {
    const current = await lockPost(tx, idOrSlug)
    if (!current) throw await noSuchResource(tx, 'post', idOrSlug)
    const id = current.id
    const before = (await representPost(tx, id, site))!
    await assertPreconditions(preconditions, async () => before, postChangedAt(current))

    const values: Partial<PostValues> = {}
    if (prepared || patch.excerpt !== undefined) {
      const customExcerpt = patch.excerpt !== undefined ? patch.excerpt?.trim() || null : current.customExcerpt
      const excerpt = customExcerpt ?? (prepared ? prepared.excerpt : derivedExcerptOf(current.html))
      Object.assign(values, prepared, { customExcerpt, excerpt })
    }
    if (patch.title !== undefined) values.title = patch.title.trim()
    if (patch.featured !== undefined) values.featured = patch.featured
    if (patch.canonicalUrl !== undefined) values.canonicalUrl = patch.canonicalUrl
    if (patch.featureImage !== undefined) {
      values.featureImageUrl = patch.featureImage?.url ?? null
      values.featureImageAlt = patch.featureImage?.alt ?? null
    }
    const status = patch.status ?? current.status
    // null asks for the default date, now, which would move a post already out (or scheduled) to the top of
    // every list and feed: that takes a date, given as one.
    if (patch.publishedAt === null && status === 'published' && current.status === 'published') {
      throw new InvalidFieldsError([{
        in: 'body', name: '/publishedAt', message: 'cannot be cleared on a published post: send a date (a future one schedules it), or status draft to unpublish it',
      }])
    }
    if (patch.status !== undefined || patch.publishedAt !== undefined) {
      values.status = status
      values.publishedAt = publicationTime(status, patch.publishedAt, current.publishedAt)
    }
    if (patch.slug !== undefined && patch.slug !== current.slug) {
      values.slug = patch.slug
      await recordSlugChange(tx, 'post', id, current.slug, patch.slug, isPublicRow(current))
    }
    if (patch.authors) await setPostAuthors(tx, id, await authorIdsFor(tx, patch.authors))
    // The post as written: a tag it brings in is hidden until published unless the post is out.
    const written = { status: values.status ?? current.status, publishedAt: values.publishedAt !== undefined ? values.publishedAt : current.publishedAt }
    if (patch.tags) await setPostTags(tx, id, await tagIdsFor(tx, patch.tags, written))
    await updatePostRow(tx, id, values)
    // Whether the excerpt is the post's own is not shown: setting or clearing it is a change all the same.
    const hidden: [unknown, unknown] = [current.customExcerpt, values.customExcerpt === undefined ? current.customExcerpt : values.customExcerpt]
    return { before, after: (await representPost(tx, id, site))!, hidden }
  })
}

export async function deletePost(db: Db, idOrSlug: string, preconditions: Preconditions<Post>, site: Site): Promise<void> {
  await writeTransaction(db, async (tx) => {
    const current = await lockPost(tx, idOrSlug)
    if (!current) throw await noSuchResource(tx, 'post', idOrSlug)
    await assertPreconditions(preconditions, async () => (await representPost(tx, current.id, site))!, postChangedAt(current))
    await forgetSlugs(tx, 'post', current.id)
    await deletePostRow(tx, current.id)
  })
}
