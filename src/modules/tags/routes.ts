import { linkedResourceRoutes } from '../../lib/linked-resource-routes.js'
import { findTag, listTags, tagKeysetOf } from './queries.js'
import { TagListResponseSchema, TagResponseSchema } from './schemas.js'
import { toTag } from './serialize.js'

export const tagRoutes = linkedResourceRoutes({
  kind: 'tag',
  plural: 'tags',
  singular: 'tag',
  shown: `The public sees every tag but those a draft or a scheduled post brought in, until one of their posts is out: a draft's links change nothing it sees.`,
  schemas: { list: TagListResponseSchema, one: TagResponseSchema },
  list: listTags,
  find: findTag,
  keysetOf: tagKeysetOf,
  serialize: toTag,
})
