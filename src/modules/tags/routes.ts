import { linkedResourceRoutes } from '../../lib/linked-resource-routes.js'
import { findTag, listTags, tagKeysetOf } from './queries.js'
import { TagListResponseSchema, TagResponseSchema } from './schemas.js'
import { toTag } from './serialize.js'

export const tagRoutes = linkedResourceRoutes({
  kind: 'tag',
  plural: 'tags',
  singular: 'tag',
  schemas: { list: TagListResponseSchema, one: TagResponseSchema },
  list: listTags,
  find: findTag,
  keysetOf: tagKeysetOf,
  serialize: toTag,
})
