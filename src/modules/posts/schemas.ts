import { Type, type Static } from 'typebox'
import { DateTimeSchema, KeysetQuerySchema, NOT_BLANK_PATTERN, Nullable, PageMetaRef, PageQuerySchema, ref, SlugList, StringEnum } from '../../lib/schemas.js'
import { AuthorRefSchema } from '../authors/schemas.js'
import { TagRefSchema } from '../tags/schemas.js'

export const FeatureImageSchema = Type.Object({
  url: Type.String({ examples: ['https://cdn.example.com/images/cells.jpg'] }),
  alt: Nullable(Type.String()),
}, { $id: 'FeatureImage' })

export const PostSummarySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  slug: Type.String({ examples: ['cell-based-architecture-routing-engine'] }),
  title: Type.String({ examples: ['The cell-based architecture behind our routing engine'] }),
  excerpt: Type.String({ description: 'The custom excerpt, or about 300 characters of the text in whole words.' }),
  featured: Type.Boolean(),
  status: StringEnum(['draft', 'published']),
  publishedAt: Nullable(DateTimeSchema),
  createdAt: DateTimeSchema,
  updatedAt: DateTimeSchema,
  readingTimeMinutes: Type.Integer({ minimum: 1, examples: [6], description: 'The words at 230 a minute, rounded; at least 1.' }),
  wordCount: Type.Integer({
    minimum: 0, examples: [1240],
    description: 'Words of the body: runs of letters and digits, and in scripts written without spaces (Chinese, Japanese, Thai) the words ICU\'s dictionaries find.',
  }),
  featureImage: Type.Union([ref(FeatureImageSchema), Type.Null()]),
  canonicalUrl: Nullable(Type.String({ description: 'Where the post first appeared, when elsewhere.' })),
  url: Type.String({ description: 'The post on the site (POST_URL_TEMPLATE).' }),
  authors: Type.Array(ref(AuthorRefSchema), { minItems: 1, description: 'In byline order; the first is the primary author.' }),
  primaryAuthor: ref(AuthorRefSchema),
  tags: Type.Array(ref(TagRefSchema), { description: 'In order; the first is the primary tag.' }),
  primaryTag: Type.Union([ref(TagRefSchema), Type.Null()]),
  snippet: Type.Optional(Type.String({
    description: 'Search hits only: fragments of the body around the first word of the query found in it (its opening words when ' +
      'there is none), html-escaped, with the words of the query in `<mark>` (safe to insert as html).',
    examples: ['… the routing engine splits work into <mark>cells</mark> …'],
  })),
}, { $id: 'PostSummary', description: 'A post without its body, as lists show it.' })
export type PostSummary = Static<typeof PostSummarySchema>

// A post read by itself is no search hit: it has no snippet.
const { snippet: _snippet, ...postProperties } = PostSummarySchema.properties
export const PostSchema = Type.Object({
  ...postProperties,
  html: Type.String({ description: 'Sanitised HTML of the body. Ids and anchor names have the prefix `user-content-`, and links within the body to them follow (`href="#user-content-setup"`).' }),
  markdown: Nullable(Type.String({
    description: 'The Markdown source as written, when the post was written in Markdown. Not sanitised (Markdown may hold raw html): ' +
      'show `html`, or sanitise what you render from this.',
  })),
}, { $id: 'Post', description: 'A post with its body.' })
export type Post = Static<typeof PostSchema>

const DateOrDateTime = (description: string) =>
  Type.Union([Type.String({ format: 'date' }), Type.String({ format: 'date-time' })], { description, examples: ['2026-01-01'] })

export const postSorts = ['-publishedAt', 'publishedAt', '-updatedAt', 'title'] as const
export type PostSort = (typeof postSorts)[number]

export const PostListQuerySchema = Type.Object(
  {
    ...PageQuerySchema,
    tag: Type.Optional(SlugList('Posts with any of these tags.')),
    tagsAll: Type.Optional(SlugList('Posts with all of these tags.')),
    excludeTags: Type.Optional(SlugList('Posts with none of these tags.')),
    author: Type.Optional(SlugList('Posts by any of these authors.')),
    featured: Type.Optional(Type.Boolean({ description: 'Only featured (true) or only other (false) posts.' })),
    publishedAfter: Type.Optional(DateOrDateTime('Published at or after this time (a date means midnight UTC).')),
    publishedBefore: Type.Optional(DateOrDateTime('Published strictly before this time (a date means midnight UTC).')),
    // No schema default: without a sort, a search (`q`) is ranked by relevance.
    sort: Type.Optional(StringEnum(postSorts, { description: 'Order; `-` means descending; `title` is A to Z, case and accents aside. Without it: `-publishedAt`, or relevance for a search (`q`).' })),
    ...KeysetQuerySchema,
    q: Type.Optional(
      Type.String({
        maxLength: 500,
        // Blank (or empty) is no search: refused rather than answered with every post.
        pattern: NOT_BLANK_PATTERN,
        description:
          'Full-text search in title, excerpt, tags and body: "quoted phrases", `or`, `-excluded`; the last word also matches as a prefix. ' +
          'Ranked by relevance unless `sort` is given; each hit carries a highlighted `snippet`.',
      }),
    ),
    status: Type.Optional(
      StringEnum(['published', 'draft', 'all'], {
        description:
          'Needs an API key unless `published`. With a key: `published` includes scheduled posts, `draft` only drafts, `all` both. ' +
          'Drafts without a publication date (one may be given, or kept from when a post was unpublished) come last in `all` (first in `sort=publishedAt`), ' +
          'most recently updated first; drafts page with `page`, not `cursor`. ' +
          'Without the parameter, everyone sees what the public sees.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type PostListQuery = Static<typeof PostListQuerySchema>

export const RelatedQuerySchema = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 3, description: 'How many, 1 to 20.' })) },
  { additionalProperties: false },
)
export const RelatedResponseSchema = Type.Object({ data: Type.Array(ref(PostSummarySchema)) }, { description: 'Related posts, most related first.' })

export const PostListResponseSchema = Type.Object({ data: Type.Array(ref(PostSummarySchema)), meta: PageMetaRef }, { description: 'A page of post summaries.' })
export const PostResponseSchema = Type.Object({ data: ref(PostSchema) }, { description: 'The post.' })
