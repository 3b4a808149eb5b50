import { Type, type Static } from 'typebox'
import { COMPOSED_TEXT, HttpUrl, Line, Nullable, Paragraphs, SlugSchema, StringEnum, Text } from '../../lib/schemas.js'

/** The longest alt text a feature image takes (the import cuts to it too). */
export const FEATURE_IMAGE_ALT_MAX_LENGTH = 500

const postFields = {
  title: Text(300, 'The title; a slug is derived from it when none is given.'),
  slug: SlugSchema,
  markdown: Type.String({ maxLength: 500_000, ...COMPOSED_TEXT, description: 'The body in Markdown (rendered and sanitised at write time). Give this or `html`.' }),
  html: Type.String({ maxLength: 1_000_000, ...COMPOSED_TEXT, description: 'The body in HTML (sanitised at write time). Give this or `markdown`.' }),
  excerpt: Nullable(Paragraphs(1000, 'A custom excerpt (plain text); null derives one from the text.')),
  status: StringEnum(['draft', 'published'], { description: 'A published post with a future `publishedAt` is scheduled.' }),
  publishedAt: Nullable(Type.String({ format: 'date-time', description: 'When the post is (or was) published; null or absent: now on publishing. A published post\'s cannot be cleared.' })),
  featured: Type.Boolean(),
  featureImage: Type.Union([
    Type.Object({ url: HttpUrl(), alt: Type.Optional(Nullable(Line(FEATURE_IMAGE_ALT_MAX_LENGTH))) }, { additionalProperties: false }),
    Type.Null(),
  ]),
  canonicalUrl: Nullable(HttpUrl('Where the post first appeared.')),
  authors: Type.Array(SlugSchema, { minItems: 1, maxItems: 20, uniqueItems: true, description: 'Author slugs in byline order.' }),
  tags: Type.Array(SlugSchema, { maxItems: 50, uniqueItems: true, description: 'Tag slugs in order, the first being primary; unknown ones are created.' }),
}

const { title, authors, ...optional } = postFields

export const PostCreateBodySchema = Type.Object(
  {
    title,
    authors,
    ...Object.fromEntries(Object.entries(optional).map(([k, v]) => [k, Type.Optional(v)])) as {
      [K in keyof typeof optional]: ReturnType<typeof Type.Optional<(typeof optional)[K]>>
    },
  },
  { additionalProperties: false, examples: [{ title: 'Hello', markdown: '# Hi\n\nFirst post.', authors: ['ada-okafor'], tags: ['architecture'], status: 'published' }] },
)
export type PostCreateBody = Static<typeof PostCreateBodySchema>

export const PostPatchBodySchema = Type.Object(
  Object.fromEntries(Object.entries(postFields).map(([k, v]) => [k, Type.Optional(v)])) as {
    [K in keyof typeof postFields]: ReturnType<typeof Type.Optional<(typeof postFields)[K]>>
  },
  { additionalProperties: false, minProperties: 1, description: 'Only the fields given change.' },
)
export type PostPatchBody = Static<typeof PostPatchBodySchema>
