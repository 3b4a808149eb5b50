import { Type, type Static } from 'typebox'
import { HttpUrl, Nullable, PageMetaRef, Paragraphs, ref, SlugSchema, Text } from '../../lib/schemas.js'

/** An author as listed on a post: enough for a byline with a job title. */
export const AuthorRefSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  slug: Type.String({ examples: ['ada-okafor'] }),
  name: Type.String({ examples: ['Ada Okafor'] }),
  title: Nullable(Type.String({ description: 'Job title.', examples: ['Principal Software Architect'] })),
  avatarUrl: Nullable(Type.String()),
  url: Type.String({ description: 'The author page on the site.' }),
}, { $id: 'AuthorRef', description: 'An author as listed on a post: a byline with a job title.' })
export type AuthorRef = Static<typeof AuthorRefSchema>

export const AuthorSchema = Type.Object({
  ...AuthorRefSchema.properties,
  bio: Nullable(Type.String()),
  websiteUrl: Nullable(Type.String()),
  postCount: Type.Integer({ minimum: 0, description: 'Published posts by this author.', examples: [7] }),
}, { $id: 'Author' })
export type Author = Static<typeof AuthorSchema>

export const AuthorListResponseSchema = Type.Object({ data: Type.Array(ref(AuthorSchema)), meta: PageMetaRef }, { description: 'A page of authors.' })
export const AuthorResponseSchema = Type.Object({ data: ref(AuthorSchema) }, { description: 'The author.' })

// What a write gives.
const optional = {
  slug: Type.Optional(SlugSchema),
  title: Type.Optional(Nullable(Text(200, 'Job title, e.g. "Software Architect".'))),
  bio: Type.Optional(Nullable(Paragraphs(5000))),
  avatarUrl: Type.Optional(Nullable(HttpUrl())),
  websiteUrl: Type.Optional(Nullable(HttpUrl())),
}

export const AuthorCreateBodySchema = Type.Object({ name: Text(200), ...optional }, { additionalProperties: false })
export const AuthorPatchBodySchema = Type.Object({ name: Type.Optional(Text(200)), ...optional }, { additionalProperties: false, minProperties: 1 })
