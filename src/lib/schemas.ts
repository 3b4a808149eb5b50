import { Type, type Static, type TSchema } from 'typebox'

/** A string enum that keeps `type: string` in the JSON Schema (generated clients want it). */
export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })
}

/** `T | null` written as a JSON Schema type list, which OpenAPI 3.1 and fast-json-stringify both read well. */
export function Nullable<T extends TSchema>(schema: T) {
  const { type, ...rest } = schema as unknown as { type: string } & Record<string, unknown>
  return Type.Unsafe<Static<T> | null>({ ...rest, type: [type, 'null'] })
}

const SLUG = '[a-z0-9]+(?:-[a-z0-9]+)*'
const UUID_LOWER = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const UUID_ANY_CASE = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
export const SLUG_PATTERN = `^${SLUG}$`
// A slug given to a resource is never shaped like an id: `/v1/posts/{ref}` reads a UUID as an id, so such a
// slug could never be reached (or would name another post's id). Slugs are lowercase: so is such a shape.
const NEW_SLUG_PATTERN = `^(?!${UUID_LOWER}$)${SLUG}$`
const REF_PATTERN = `^(?:${UUID_ANY_CASE}|${SLUG})$`
const SLUG_LIST_PATTERN = `^${SLUG}(?:,${SLUG}){0,49}$`
// The scheme in any case (RFC 3986 3.1); none of the characters a URI never holds as they are (RFC 3986
// appendix A: spaces, `"`, `<`, `>`, `\\`, `^`, `` ` ``, `{`, `|`, `}`), which a page would take for the end of
// an attribute or the start of a tag. The rest is the http-url format's (see validation.ts).
const HTTP_URL_PATTERN = '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s"<>\\\\^`{|}]+$'
// One line: something visible, and no control characters (C0 and C1, tabs and line breaks included, U+2028 and
// U+2029 too), which titles and names would carry into every page, feed and terminal that shows them. Spaces and
// the zero-width characters are not something visible.
const CONTROLS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029'
const INVISIBLE = '\\s\\u200b-\\u200d\\u2060\\ufeff'
const ONE_LINE_PATTERN = `^[^${CONTROLS}]*[^${CONTROLS}${INVISIBLE}][^${CONTROLS}]*$`
const NO_CONTROL_PATTERN = `^[^${CONTROLS}]*$`
// Text of several lines (an excerpt): tabs and line breaks, but no other control character.
const MULTILINE_PATTERN = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$'
/** Something besides spaces (a search). */
export const NOT_BLANK_PATTERN = '\\S'
/** A path on the site, as a frontend routes it (`/posts/old-slug`). */
export const SITE_PATH_PATTERN = '^/'
const CURSOR_PATTERN = '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$'

/** What each pattern asks for, in words: a validation message shows this rather than the expression. */
export const PATTERN_MESSAGES: Record<string, string> = {
  [SLUG_PATTERN]: 'must be a slug: lowercase letters, digits and single hyphens',
  [NEW_SLUG_PATTERN]: 'must be a slug: lowercase letters, digits and single hyphens, not shaped like an id (a UUID)',
  [REF_PATTERN]: 'must be an id (a UUID) or a slug (lowercase letters, digits and single hyphens)',
  [SLUG_LIST_PATTERN]: 'must be slugs (lowercase letters, digits and single hyphens), comma-separated, at most 50',
  [HTTP_URL_PATTERN]: 'must be an absolute http:// or https:// URL',
  [ONE_LINE_PATTERN]: 'must be one line of text: not blank, no control characters (tabs and line breaks included)',
  [NO_CONTROL_PATTERN]: 'must be one line of text: no control characters (tabs and line breaks included)',
  [MULTILINE_PATTERN]: 'must be text: no control characters but tabs and line breaks',
  [CURSOR_PATTERN]: "must be a cursor as a list's meta.nextCursor gives it",
  [NOT_BLANK_PATTERN]: 'must have something besides spaces',
  [SITE_PATH_PATTERN]: 'must be a path on the site, beginning with / (such as /posts/some-slug)',
}

/** A slug as a write gives it. */
export const SlugSchema = Type.String({
  pattern: NEW_SLUG_PATTERN,
  minLength: 1,
  maxLength: 120,
  description: 'Lowercase letters, digits and single hyphens; not shaped like a UUID, which would be read as an id.',
  examples: ['architecture'],
})

const HTTP_URL_MAX_LENGTH = 2000
const HTTP_URL = new RegExp(HTTP_URL_PATTERN)

/** What the `http-url` format takes: a URL that parses, as http or https. */
export function parsesAsHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)
}

/** Whether HttpUrl takes a value (its pattern, length and format): for URLs that arrive other than through a request. */
export function isHttpUrl(value: string): boolean {
  return value.length <= HTTP_URL_MAX_LENGTH && HTTP_URL.test(value) && parsesAsHttpUrl(value)
}

/** An absolute http(s) URL: `format: uri` alone would let `javascript:` through. */
export function HttpUrl(description?: string) {
  return Type.String({ pattern: HTTP_URL_PATTERN, format: 'http-url', maxLength: HTTP_URL_MAX_LENGTH, ...(description ? { description } : {}) })
}

/**
 * Marks a request's text that people write (titles, names, bodies): taken in Unicode's composed form (NFC),
 * as the W3C's character model asks of web content, so that "é" sent as an e and a combining accent (as
 * macOS keeps file names, and some editors paste) is the same text as the one character: to search, to
 * compare names by, to make slugs from (see lib/validation.ts). Not on URLs and slugs, whose bytes are theirs.
 */
export const COMPOSED_TEXT = { 'x-composed': true } as const

/** Text of several lines (an excerpt): no control characters but tabs and line breaks. */
export function Paragraphs(maxLength: number, description?: string) {
  return Type.String({ maxLength, pattern: MULTILINE_PATTERN, ...COMPOSED_TEXT, ...(description ? { description } : {}) })
}

/** A line of text that may be empty (an image's alt text): no control characters. */
export function Line(maxLength: number, description?: string) {
  return Type.String({ maxLength, pattern: NO_CONTROL_PATTERN, ...COMPOSED_TEXT, ...(description ? { description } : {}) })
}

/** A required line of text: not blank, no control characters. */
export function Text(maxLength: number, description?: string) {
  return Type.String({ minLength: 1, maxLength, pattern: ONE_LINE_PATTERN, ...COMPOSED_TEXT, ...(description ? { description } : {}) })
}

/**
 * A limit a schema states (`maxLength`, counted in code points as the validator counts it, or `maxItems`), for
 * values that are stored other than through a request (an import): the schema stays the number's one home.
 */
export function limitOf(schema: TSchema, keyword: 'maxLength' | 'maxItems'): number {
  const limit = (schema as unknown as Record<string, unknown>)[keyword]
  if (typeof limit !== 'number') throw new Error(`the schema states no ${keyword}`)
  return limit
}


export const PreconditionHeadersSchema = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'The ETag you last read: the write answers 412 if the resource changed since.' })),
  'if-unmodified-since': Type.Optional(Type.String({ description: 'Without If-Match: the write answers 412 if the resource changed after this HTTP-date.' })),
  'if-none-match': Type.Optional(Type.String({ description: '`*`, or ETags: the write answers 412 if the resource exists (`*`) or is still one of them.' })),
})

/** A path naming a resource by slug alone (feeds). */
export const SlugParamsSchema = Type.Object({
  slug: Type.String({ pattern: SLUG_PATTERN, minLength: 1, maxLength: 120, description: 'Lowercase letters, digits and single hyphens.', examples: ['architecture'] }),
}, { additionalProperties: false })

const UUID = new RegExp(`^${UUID_ANY_CASE}$`)

/** Whether a path reference is an id (a UUID) rather than a slug. */
export function isUuid(value: string): boolean {
  return UUID.test(value)
}

/**
 * One path parameter for a resource, read or written: its id or its current slug. (OpenAPI treats
 * `/posts/{id}` and `/posts/{slug}` as the same path, so reads and writes share this one.)
 */
export const RefParamsSchema = Type.Object(
  {
    idOrSlug: Type.String({
      pattern: REF_PATTERN,
      minLength: 1,
      maxLength: 120,
      description: 'The id (a UUID) or the current slug.',
      // An id: any resource's path takes one (a slug would be one kind's: a tag's, say, on a post's path).
      examples: ['0b7e4c6a-1f2d-4c3b-9a8e-5d6f7a8b9c0d'],
    }),
  },
  { additionalProperties: false },
)

/** A comma-separated list of slugs (at most 50), as taken by the `tag` and `author` filters. */
export function SlugList(description: string) {
  return Type.String({
    pattern: SLUG_LIST_PATTERN,
    maxLength: 6100,
    description: `${description} Comma-separated slugs, at most 50.`,
  })
}

export const DateTimeSchema = Type.String({ format: 'date-time', examples: ['2026-01-28T08:00:00.000Z'] })

/** How many bad fields a validation problem names at most (its `errors`, and its `detail`). */
export const MAX_REPORTED_FIELDS = 50

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'A URI reference naming the kind of problem.', examples: ['/problems/validation-failed'] }),
    title: Type.String({ examples: ['Request validation failed'] }),
    status: Type.Integer({ minimum: 400, maximum: 599, examples: [400] }),
    detail: Type.String({ examples: ['query limit must be <= 100'] }),
    instance: Type.Optional(Type.String({ description: 'The request path.' })),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          in: StringEnum(['path', 'query', 'header', 'body']),
          name: Type.String({ description: 'The field, as a JSON pointer inside its part.', examples: ['/limit'] }),
          message: Type.String({ examples: ['must be <= 100'] }),
        }),
        { maxItems: MAX_REPORTED_FIELDS, description: `Each bad field, once; the first ${MAX_REPORTED_FIELDS} when there are more (\`detail\` says how many).` },
      ),
    ),
  },
  { $id: 'Problem', description: 'An RFC 9457 problem details object.' },
)
export type Problem = Static<typeof ProblemSchema>

/**
 * A reference to a schema registered once with `app.addSchema` (its `$id` names it in the OpenAPI
 * document's components), keeping the static type.
 */
export function ref<T extends TSchema>(schema: T) {
  const id = (schema as { $id?: string }).$id
  if (!id) throw new Error('ref() needs a schema with $id')
  return Type.Unsafe<Static<T>>(Type.Ref(id))
}

export const ProblemRef = ref(ProblemSchema)

export const PageMetaSchema = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, examples: [1], description: 'Absent when paging by cursor.' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, examples: [15] }),
    total: Type.Optional(Type.Integer({ minimum: 0, examples: [35], description: 'Absent with `count=false`.' })),
    totalPages: Type.Optional(Type.Integer({ minimum: 1, examples: [3], description: 'At least 1: an empty list has one page, empty. Absent with `count=false`.' })),
    truncated: Type.Optional(Type.Literal(true, {
      description: 'Only on a search (`q`) that matched more than 1,000 posts: the first 1,000 in the list\'s order (newest first when ' +
        'ranked by relevance) are ranked, counted in `total` and reached by `page`; a `cursor` (with a `sort`) goes on past them.',
    })),
    nextPage: Type.Optional(Nullable(Type.Integer({
      minimum: 2,
      examples: [2],
      description: 'On a page reached by `page`: the next page\'s number, null on the last page (with `count=false` too).',
    }))),
    nextCursor: Type.Optional(Nullable(Type.String({
      description: 'Pass as `cursor` for the next items (keyset paging, cost independent of depth); null on the last page. ' +
        'Absent where the list has no cursors: a search ranked by relevance (no `sort`) and lists of drafts page by `page` alone.',
    }))),
    prevCursor: Type.Optional(Nullable(Type.String({
      description: 'On a page reached by `cursor`: pass as `cursor` for the items before this page; null on the first.',
    }))),
  },
  { $id: 'PageMeta' },
)
export type PageMeta = Static<typeof PageMetaSchema>
export const PageMetaRef = ref(PageMetaSchema)

export const PageQuerySchema = {
  // No schema default: a request that gives no page may give a cursor instead.
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, description: 'Page number, from 1 (the default).' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 15, description: 'Items per page, 1 to 100.' })),
}

/** Keyset paging and skipping the count, as every list takes them. */
export const KeysetQuerySchema = {
  cursor: Type.Optional(Type.String({
    pattern: CURSOR_PATTERN,
    maxLength: 2000,
    description: '`meta.nextCursor` of the previous page: keyset paging (for posts, at the same cost at any depth). Not with `page`.',
  })),
  count: Type.Optional(Type.Boolean({ default: true, description: '`false` skips counting the matches (no `total`, `totalPages` or `last` link).' })),
}

/** The query of a list of tags or authors: paging (by page or cursor, counted or not) and a sort by name or by published-post count. */
export const LinkedListQuerySchema = Type.Object(
  {
    ...PageQuerySchema,
    ...KeysetQuerySchema,
    sort: Type.Optional(StringEnum(['name', '-postCount'], { default: 'name', description: 'By name (A to Z, case and accents aside), or most posts first.' })),
  },
  { additionalProperties: false },
)

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is invalid: each bad field is named in `errors`.',
  401: 'No valid API key was given.',
  404: 'Nothing has that slug or path.',
  409: 'The change conflicts with the current state.',
  412: 'The resource changed since the `If-Match` version.',
  413: 'The body is too large.',
}

/** The query of a read that takes no parameters: any given is an error, as on every list. */
export const NoQuerySchema = Type.Object({}, { additionalProperties: false })

/** Problem responses (RFC 9457, `application/problem+json`) for the error statuses a route can answer. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: STATUS_TEXT[status] ?? 'A problem.', content: { 'application/problem+json': { schema: ProblemRef } } },
    ]),
  )
}

export const NoContentResponse = { type: 'null', description: 'Done: no content.' } as const

/** Response for a slug that moved: no body, `Location` names the current URL. */
export const MovedResponse = { type: 'null', description: 'Moved permanently: follow `Location` to the current slug.' } as const
