import createError from '@fastify/error'

// Every error the API expects to raise. The errors plugin renders each as RFC 9457 problem+json,
// taking `type` and `title` from PROBLEM_TYPES by code.
export const NotFoundError = createError<'QUIRE_NOT_FOUND', 404, [string]>('QUIRE_NOT_FOUND', '%s', 404)
export const BadRequestError = createError<'QUIRE_BAD_REQUEST', 400, [string]>('QUIRE_BAD_REQUEST', '%s', 400)
export const PageOutOfRangeError = createError<'QUIRE_PAGE_OUT_OF_RANGE', 400, [string]>('QUIRE_PAGE_OUT_OF_RANGE', '%s', 400)
/** A body that is well-formed but names things that do not exist (an unknown author, say). */
export interface FieldError { in: 'path' | 'query' | 'header' | 'body'; name: string; message: string }
export class InvalidFieldsError extends Error {
  readonly statusCode = 400
  readonly code = 'QUIRE_INVALID_FIELDS'
  constructor(readonly fields: FieldError[]) {
    super(fields.map((f) => `${f.in} ${f.name.slice(1)} ${f.message}`).join('; '))
  }
}

/**
 * A 400 about one query parameter (`page` past the last, a `cursor` not issued): its problem names the
 * parameter in `errors`, as a validation failure's does, under its own type. `message` says what is wrong
 * with it, after its name.
 */
export function queryParameterError(ErrorType: typeof BadRequestError | typeof PageOutOfRangeError, name: string, message: string): Error & { fields: FieldError[] } {
  return Object.assign(new ErrorType(`${name} ${message}`), { fields: [{ in: 'query' as const, name: `/${name}`, message }] })
}
export const UnauthorizedError = createError<'QUIRE_UNAUTHORIZED', 401, [string]>('QUIRE_UNAUTHORIZED', '%s', 401)
export const ConflictError = createError<'QUIRE_CONFLICT', 409, [string]>('QUIRE_CONFLICT', '%s', 409)
export const PreconditionFailedError = createError<'QUIRE_PRECONDITION_FAILED', 412, [string]>('QUIRE_PRECONDITION_FAILED', '%s', 412)
export const MalformedBodyError = createError<'QUIRE_MALFORMED_BODY', 400, [string]>('QUIRE_MALFORMED_BODY', '%s', 400)
export const UnsupportedMediaTypeError = createError<'QUIRE_UNSUPPORTED_MEDIA_TYPE', 415, [string]>('QUIRE_UNSUPPORTED_MEDIA_TYPE', '%s', 415)
export const TooManyRequestsError = createError<'QUIRE_RATE_LIMITED', 429, [string]>(
  'QUIRE_RATE_LIMITED',
  'Too many requests from this address; retry in %s',
  429,
)
/** Seconds to wait before trying again when the database is unreachable or busy (or the service not ready). */
export const DATABASE_RETRY_AFTER_SECONDS = 5
export const DatabaseUnavailableError = createError<'QUIRE_DATABASE_UNAVAILABLE', 503, []>(
  'QUIRE_DATABASE_UNAVAILABLE',
  'The database is unreachable, or busy with other requests (every connection in use); try again shortly',
  503,
)
export const WriteConflictError = createError<'QUIRE_WRITE_CONFLICT', 503, [{ cause: unknown }]>(
  'QUIRE_WRITE_CONFLICT',
  'The write kept colliding with concurrent writes to the same resources and was rolled back: nothing was stored; send it again',
  503,
)
export const ShuttingDownError = createError<'QUIRE_SHUTTING_DOWN', 503, []>(
  'QUIRE_SHUTTING_DOWN',
  'This instance is shutting down; send the request again (another instance, or this one restarted, answers it)',
  503,
)

export interface ProblemType {
  type: string
  title: string
  /** A transient problem's `Retry-After`, in seconds: the errors plugin sends it with every such answer. */
  retryAfter?: number
}

/**
 * Every problem type, by the last segment of its `type` URI (`/problems/not-found`, a relative reference):
 * its title, its status, when it is answered and, for a transient one, the seconds to wait before sending
 * the request again (`Retry-After`). The URI serves a page saying so (RFC 9457 3.1.1: a type
 * should lead to documentation a person can read), and the README's table lists the same.
 */
export const PROBLEMS = {
  'validation-failed': { title: 'Request validation failed', status: 400, when: 'a parameter or body field is missing, malformed or out of range; `errors` names each one' },
  'page-out-of-range': { title: 'Page out of range', status: 400, when: '`page` is past the last page' },
  'bad-request': { title: 'Bad request', status: 400, when: 'a cursor was altered, belongs to another list or to an older version of it, or a path is not valid percent-encoding' },
  'uri-too-long': { title: 'URI too long', status: 414, when: 'a path segment (a slug, say) is longer than 200 characters' },
  'not-found': { title: 'Resource not found', status: 404, when: 'no resource has that slug or id, or no route has that path' },
  'method-not-allowed': { title: 'Method not allowed', status: 405, when: 'the path exists, but not with this method; `Allow` lists those it takes' },
  unauthorized: { title: 'Authentication required', status: 401, when: 'a write (or `status=draft`) comes without a valid API key, or any `/v1` request with an invalid `Bearer` one; see `WWW-Authenticate`' },
  conflict: { title: 'Conflict', status: 409, when: 'the slug is taken, a tag\'s name is another tag\'s, or the resource is still in use (an author with posts)' },
  'precondition-failed': { title: 'Precondition failed', status: 412, when: 'a write\'s `If-Match` names a version that is no longer current (or `If-Unmodified-Since` a date before its last change, or `If-None-Match` the current one): read the resource again and reapply the change' },
  'malformed-body': { title: 'Malformed request body', status: 400, when: 'the body is not valid JSON (`detail` says where it breaks), not valid UTF-8, or has a key that poisons prototypes (`__proto__`)' },
  'body-too-large': { title: 'Request body too large', status: 413, when: 'the body is over 1 MiB' },
  'unsupported-media-type': { title: 'Unsupported media type', status: 415, when: 'the body is not `application/json`, names a charset other than UTF-8, or is compressed (`Content-Encoding`)' },
  'rate-limited': { title: 'Too many requests', status: 429, when: 'too many requests came from this address: wait the seconds `Retry-After` says' },
  'database-unavailable': { title: 'Service unavailable', status: 503, retryAfter: DATABASE_RETRY_AFTER_SECONDS, when: 'the database is unreachable, or every connection to it is busy: retry after the seconds `Retry-After` says' },
  'write-conflict': { title: 'Service unavailable', status: 503, retryAfter: 1, when: 'the write kept colliding with concurrent writes to the same resources (a deadlock or a serialization failure), even when run again, and nothing was stored: send it again after the seconds `Retry-After` says' },
  // A second: the listener is closed, so a retry reaches another instance (or this one, restarted).
  'shutting-down': { title: 'Service unavailable', status: 503, retryAfter: 1, when: 'the instance is shutting down (a deploy, a restart): retry after the seconds `Retry-After` says' },
} satisfies Record<string, { title: string; status: number; when: string; retryAfter?: number }>
export type ProblemName = keyof typeof PROBLEMS

/** Which problem each error code is (ours, Fastify's, and the error plugin's own cases). */
const PROBLEM_OF_CODE: Record<string, ProblemName> = {
  QUIRE_NOT_FOUND: 'not-found',
  QUIRE_BAD_REQUEST: 'bad-request',
  QUIRE_PAGE_OUT_OF_RANGE: 'page-out-of-range',
  QUIRE_INVALID_FIELDS: 'validation-failed',
  QUIRE_UNAUTHORIZED: 'unauthorized',
  QUIRE_CONFLICT: 'conflict',
  QUIRE_PRECONDITION_FAILED: 'precondition-failed',
  QUIRE_RATE_LIMITED: 'rate-limited',
  QUIRE_DATABASE_UNAVAILABLE: 'database-unavailable',
  QUIRE_SHUTTING_DOWN: 'shutting-down',
  QUIRE_WRITE_CONFLICT: 'write-conflict',
  QUIRE_SLUG_TAKEN: 'conflict',
  QUIRE_IN_USE: 'conflict',
  QUIRE_NAME_TAKEN: 'conflict',
  QUIRE_MALFORMED_BODY: 'malformed-body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  QUIRE_UNSUPPORTED_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_BAD_URL: 'bad-request',
  FST_ERR_MAX_PARAM_LENGTH: 'uri-too-long',
  VALIDATION: 'validation-failed',
  ROUTE_NOT_FOUND: 'not-found',
  METHOD_NOT_ALLOWED: 'method-not-allowed',
}

/** Problem `type` URIs, titles and Retry-After, by error code. */
export const PROBLEM_TYPES: Record<string, ProblemType> = Object.fromEntries(
  Object.entries(PROBLEM_OF_CODE).map(([code, name]) => {
    const problem: { title: string; retryAfter?: number } = PROBLEMS[name]
    return [code, { type: `/problems/${name}`, title: problem.title, ...(problem.retryAfter ? { retryAfter: problem.retryAfter } : {}) }]
  }),
)
