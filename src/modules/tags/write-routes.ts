import type { Config } from '../../config.js'
import { postTags, tags } from '../../db/schema.js'
import { linkedResourceWriteRoutes } from '../../lib/linked-resource-write-routes.js'
import { findTag } from './queries.js'
import { SHOWN_TAG_FIELDS } from '../posts/queries.js'
import { TagCreateBodySchema, TagPatchBodySchema, TagResponseSchema } from './schemas.js'
import { toTag } from './serialize.js'

export const tagWriteRoutes = (config: Config) =>
  linkedResourceWriteRoutes({
    apiPath: config.site.apiPath,
    store: {
      kind: 'tag',
      table: tags,
      represent: async (db, id) => { const row = await findTag(db, id, 'all'); return row && toTag(row, config.site) },
      links: { table: postTags, postId: postTags.postId, linkedId: postTags.tagId, shown: SHOWN_TAG_FIELDS, removedOnDelete: true },
      uniqueName: true,
    },
    plural: 'tags',
    singular: 'tag',
    schemas: { create: TagCreateBodySchema, patch: TagPatchBodySchema, one: TagResponseSchema },
    onDelete: 'The tag is removed from every post that had it.',
    deleteStatuses: [400, 401, 404, 412, 413, 415],
  })
