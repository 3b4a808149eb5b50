import { authors, postAuthors } from '../../db/schema.js'
import { linkedResourceQueries } from '../posts/post-counts.js'

const authorQueries = linkedResourceQueries(authors, { resourceId: postAuthors.authorId, postId: postAuthors.postId })

export type AuthorRow = typeof authors.$inferSelect & { postCount: number }
export const listAuthors = authorQueries.list
export const findAuthor = authorQueries.find
export const findAuthorRow = authorQueries.findRow
export const authorKeysetOf = authorQueries.keysetOf
export const authorShownToPublic = authorQueries.shownToPublic
