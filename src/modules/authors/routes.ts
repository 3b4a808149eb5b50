import { linkedResourceRoutes } from '../../lib/linked-resource-routes.js'
import { findAuthor, listAuthors, authorKeysetOf } from './queries.js'
import { AuthorListResponseSchema, AuthorResponseSchema } from './schemas.js'
import { toAuthor } from './serialize.js'

export const authorRoutes = linkedResourceRoutes({
  kind: 'author',
  plural: 'authors',
  singular: 'author',
  schemas: { list: AuthorListResponseSchema, one: AuthorResponseSchema },
  list: listAuthors,
  find: findAuthor,
  keysetOf: authorKeysetOf,
  serialize: toAuthor,
})
