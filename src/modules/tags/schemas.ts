import { Type, type Static } from 'typebox'
import { Nullable, PageMetaRef, ref } from '../../lib/schemas.js'

/** A tag as it appears inside a post. */
export const TagRefSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  slug: Type.String({ examples: ['architecture'] }),
  name: Type.String({ examples: ['Architecture'] }),
  url: Type.String({ description: 'The tag page on the site.', examples: ['https://blog.example.com/tags/architecture'] }),
}, { $id: 'TagRef', description: 'A tag as listed on a post.' })
export type TagRef = Static<typeof TagRefSchema>

export const TagSchema = Type.Object({
  ...TagRefSchema.properties,
  description: Nullable(Type.String()),
  postCount: Type.Integer({ minimum: 0, description: 'Published posts with this tag.', examples: [14] }),
}, { $id: 'Tag' })
export type Tag = Static<typeof TagSchema>


export const TagListResponseSchema = Type.Object({ data: Type.Array(ref(TagSchema)), meta: PageMetaRef }, { description: 'A page of tags.' })
export const TagResponseSchema = Type.Object({ data: ref(TagSchema) }, { description: 'The tag.' })
