import { postTags, tags } from '../../db/schema.js'
import { linkedResourceQueries } from '../posts/post-counts.js'

const tagQueries = linkedResourceQueries(tags, { resourceId: postTags.tagId, postId: postTags.postId }, tags.hiddenUntilPublished)

export type TagRow = typeof tags.$inferSelect & { postCount: number }
export const listTags = tagQueries.list
export const findTag = tagQueries.find
export const findTagRow = tagQueries.findRow
export const tagKeysetOf = tagQueries.keysetOf
export const tagShownToPublic = tagQueries.shownToPublic
