import { linkedResourceRoutes } from '../../lib/linked-resource-routes.js'
import { findAuthor, listAuthors, authorKeysetOf } from './queries.js'
import { AuthorListResponseSchema, AuthorResponseSchema } from './schemas.js'
import { toAuthor } from './serialize.js'

export const authorRoutes = linkedResourceRoutes({
  kind: 'author',
  plural: 'authors',
  singular: 'author',
  shown: `The public sees the authors of its posts: an author once one of their posts is out, as Ghost's Content API shows authors.`,
  schemas: { list: AuthorListResponseSchema, one: AuthorResponseSchema },
  list: listAuthors,
  find: findAuthor,
  keysetOf: authorKeysetOf,
  serialize: toAuthor,
})
