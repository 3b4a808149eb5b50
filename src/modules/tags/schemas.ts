import { Type, type Static } from 'typebox'
import { Nullable, PageMetaRef, Paragraphs, ref, SlugSchema, Text } from '../../lib/schemas.js'

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

/** The longest name a tag takes (a tag made from a post's new slug is named within it too). */
export const TAG_NAME_MAX_LENGTH = 100

// What a write gives.
const fields = {
  name: Text(TAG_NAME_MAX_LENGTH),
  slug: SlugSchema,
  description: Nullable(Paragraphs(2000)),
}

export const TagCreateBodySchema = Type.Object(
  { name: fields.name, slug: Type.Optional(fields.slug), description: Type.Optional(fields.description) },
  { additionalProperties: false },
)
export const TagPatchBodySchema = Type.Object(
  { name: Type.Optional(fields.name), slug: Type.Optional(fields.slug), description: Type.Optional(fields.description) },
  { additionalProperties: false, minProperties: 1 },
)
