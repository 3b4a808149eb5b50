import { Type, type Static } from 'typebox'
import { Nullable, PageMetaRef } from '../../lib/schemas.js'

/** A tag as it appears inside a post. */
export const TagRefSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  slug: Type.String({ examples: ['architecture'] }),
  name: Type.String({ examples: ['Architecture'] }),
  url: Type.String({ description: 'The tag page on the site.', examples: ['https://blog.example.com/tags/architecture'] }),
})
export type TagRef = Static<typeof TagRefSchema>

export const TagSchema = Type.Object({
  ...TagRefSchema.properties,
  description: Nullable(Type.String()),
  postCount: Type.Integer({ minimum: 0, description: 'Published posts with this tag.', examples: [14] }),
})
export type Tag = Static<typeof TagSchema>


export const TagListResponseSchema = Type.Object({ data: Type.Array(TagSchema), meta: PageMetaRef })
export const TagResponseSchema = Type.Object({ data: TagSchema })
