import type { Config } from '../../config.js'
import { authors, postAuthors } from '../../db/schema.js'
import { linkedResourceWriteRoutes } from '../../lib/linked-resource-write-routes.js'
import { findAuthor } from './queries.js'
import { SHOWN_AUTHOR_FIELDS } from '../posts/queries.js'
import { AuthorCreateBodySchema, AuthorPatchBodySchema, AuthorResponseSchema } from './schemas.js'
import { toAuthor } from './serialize.js'

export const authorWriteRoutes = (config: Config) =>
  linkedResourceWriteRoutes({
    apiPath: config.site.apiPath,
    store: {
      kind: 'author',
      table: authors,
      represent: async (db, id) => { const row = await findAuthor(db, id, 'all'); return row && toAuthor(row, config.site) },
      links: { table: postAuthors, postId: postAuthors.postId, linkedId: postAuthors.authorId, shown: SHOWN_AUTHOR_FIELDS, removedOnDelete: false },
      uniqueName: false,
    },
    plural: 'authors',
    singular: 'author',
    schemas: { create: AuthorCreateBodySchema, patch: AuthorPatchBodySchema, one: AuthorResponseSchema },
    onDelete: 'Refused with 409 while the author still has posts (drafts included): reassign or delete them first.',
    deleteStatuses: [400, 401, 404, 409, 412, 413, 415],
  })
