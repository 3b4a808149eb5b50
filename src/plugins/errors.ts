import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import {
  ConflictError, DatabaseUnavailableError, InvalidFieldsError, NotFoundError, PROBLEM_TYPES, UnsupportedMediaTypeError, type FieldError,
} from '../lib/errors.js'
import { MAX_REPORTED_FIELDS, PATTERN_MESSAGES, type Problem } from '../lib/schemas.js'
import { publicPath } from '../lib/urls.js'
import { fieldOf, FORMAT_MESSAGES } from '../lib/validation.js'

const PARTS = { querystring: 'query', params: 'path', headers: 'header', body: 'body' } as const
type HttpPart = keyof typeof PARTS
/** The parts of a request Fastify validates, in its order: it stops at the first that fails. */
const VALIDATION_ORDER: HttpPart[] = ['params', 'body', 'querystring', 'headers']

/** What a validation problem names: each bad field of each part, one message per field. */
function validationIssues(request: FastifyRequest, failed: HttpPart, validation: ValidationIssue[]): FieldError[] {
  const issuesOf = (part: HttpPart, errors: ValidationIssue[]) => (part === 'body' && request.body === undefined
    // No body at all (an empty one labelled JSON is none): say so, not "must be object".
    ? [{ name: '/', message: 'is missing: send a JSON object' }]
    : fieldMessages(errors)).map(({ name, message }) => ({ in: PARTS[part], name, message }))
  const issues = issuesOf(failed, validation)
  // The parts Fastify did not reach: a client fixing the first would otherwise hear of the next one only then.
  for (const part of VALIDATION_ORDER.slice(VALIDATION_ORDER.indexOf(failed) + 1)) {
    const validate = request.getValidationFunction(part)
    if (typeof validate !== 'function') continue
    const value = part === 'querystring' ? request.query : part === 'params' ? request.params : part === 'headers' ? request.headers : request.body
    if (validate(value) === false) issues.push(...issuesOf(part, validate.errors ?? []))
  }
  return issues
}

// Connection-level failures: refused, reset, timed out, or the server shutting the session down; a server
// too busy to take the query (out of connections, memory or disk: class 53; the statement timeout cancelled
// it); and a database that will not take connections (55000: ALLOW_CONNECTIONS false), is gone (3D000) or
// refuses the service's credentials (28000, 28P01: a password rotated). Class 08 is tested apart.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '57014', '55000', '3D000', '28000', '28P01'])

function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error as { code?: string; message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08') || e.code.startsWith('53'))) return true
    if (e.message && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/.test(e.message)) return true
  }
  return false
}

/**
 * The methods a route may take, in the order an Allow header lists them. Not OPTIONS: CORS answers it on
 * every path (when CORS_ORIGINS is set), which would make every path look served.
 */
const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/** The methods the routes serving `path` take, OPTIONS among them (an empty list: no route serves it). */
export function allowedMethods(app: FastifyInstance, path: string): string[] {
  const methods: string[] = ROUTE_METHODS.filter((method) => app.findRoute({ method, url: path }))
  return methods.length > 0 ? [...methods, 'OPTIONS'] : []
}

/** A problem+json answer; its type (when one of this API's pages) and instance are paths below `apiPath` (see publicPath). */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, apiPath: string, problem: Omit<Problem, 'instance' | 'requestId'>) {
  return reply
    .code(problem.status)
    .type('application/problem+json; charset=utf-8')
    .header('cache-control', 'no-store')
    .send({
      ...problem,
      type: problem.type.startsWith('/') ? publicPath(apiPath, problem.type) : problem.type,
      instance: publicPath(apiPath, request.url.split('?')[0]!),
      requestId: request.id,
    })
}

/** One place that turns every error (ours, Fastify's, the database's) into RFC 9457 problem+json. */
export const errorsPlugin = fp<{ apiPath: string }>(
  async (app, { apiPath }) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.validation) {
        const failed = (error.validationContext ?? 'body') as HttpPart
        // A path that names nothing is not found, whatever its shape (`/v1/posts/Hello-World`): a frontend
        // passing its route's parameter through shows its 404 page, as /v1/resolve answers for the path. The
        // problem says what an id or slug looks like; the rest of the request is not looked at.
        if (failed === 'params') {
          const shape = fieldMessages(error.validation).map(({ name, message }) => `its ${name.slice(1)} ${message}`).join('; ')
          return renderError(request, reply, apiPath, new NotFoundError(`Nothing answers to ${publicPath(apiPath, request.url.split('?')[0]!)}: ${shape}`))
        }
        const issues = validationIssues(request, failed in PARTS ? failed : 'body', error.validation)
        // The first MAX_REPORTED_FIELDS: a body of a few hundred kilobytes can hold a hundred thousand bad
        // values, and a problem naming each would be megabytes.
        const errors = issues.slice(0, MAX_REPORTED_FIELDS)
        const more = issues.length - errors.length
        const { type, title } = PROBLEM_TYPES.VALIDATION!
        return sendProblem(request, reply, apiPath, {
          type,
          title,
          status: 400,
          // A field by its name; a query parameter with none (`?=x`, named "/") by saying so; a body's root as such.
          detail: errors.map((e) => `${e.in} ${e.name.slice(1) || (e.in === 'query' ? 'parameter with no name' : '(root)')} ${e.message}`).join('; ') + (more > 0 ? `; and ${more} more` : ''),
          errors,
        })
      }

      const constraint = constraintProblem(error)
      if (constraint) return renderError(request, reply, apiPath, constraint)

      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        const given = request.headers['content-type']
        error = new UnsupportedMediaTypeError(`A body must be application/json${given ? `, not ${given}` : ', and say so in Content-Type'}`)
      }
      if (error.statusCode === 415) {
        // What would do: for a content coding, which codings a body may have (RFC 9110 15.5.16): none. For a
        // media type, a PATCH says which patch documents it takes (RFC 5789 2.2): JSON's, merged.
        if ((error as { unsupportedCoding?: boolean }).unsupportedCoding) reply.header('accept-encoding', 'identity')
        else if (request.method === 'PATCH') reply.header('accept-patch', 'application/json')
      }

      if (isDatabaseUnavailable(error)) {
        request.log.warn({ err: error }, 'database unavailable')
        return renderError(request, reply, apiPath, new DatabaseUnavailableError())
      }
      return renderError(request, reply, apiPath, error)
    })
  },
  { name: 'errors' },
)

/**
 * The 404 for a path no route serves, the 405 for one served with other methods, and the 204 to an OPTIONS
 * for one. Registered after the rate-limit plugin, whose limiter (`limit`) counts them as any other request.
 */
export const notFoundPlugin = fp<{ apiPath: string; limit: preHandlerAsyncHookHandler }>(
  async (app, { apiPath, limit }) => {
    app.setNotFoundHandler({ preHandler: limit }, (request, reply) => {
      const path = request.url.split('?')[0]!
      // A path some route serves, asked with another method: 405 with the methods it takes (RFC 9110 15.5.6).
      // Not when a GET or HEAD route matched and found nothing itself: a missing file under /docs/static,
      // whose GET and HEAD wildcard routes would otherwise each offer the other's method.
      const foundNothing = (request.method === 'GET' || request.method === 'HEAD') && app.findRoute({ method: request.method, url: path }) !== null
      const allowed = foundNothing ? [] : allowedMethods(app, path).filter((method) => method !== request.method)
      // OPTIONS asks what a path takes (RFC 9110 9.3.7): Allow says, as on every 204 to it (see the security plugin).
      if (request.method === 'OPTIONS' && allowed.length > 0) return reply.code(204).send()
      if (allowed.length > 0) {
        const { type, title } = PROBLEM_TYPES.METHOD_NOT_ALLOWED!
        reply.header('allow', allowed.join(', '))
        return sendProblem(request, reply, apiPath, { type, title, status: 405, detail: `${publicPath(apiPath, path)} takes ${allowed.join(', ')}, not ${request.method}` })
      }
      const { type, title } = PROBLEM_TYPES.ROUTE_NOT_FOUND!
      return sendProblem(request, reply, apiPath, { type, title, status: 404, detail: `No resource at ${publicPath(apiPath, path)}` })
    })
  },
  { name: 'not-found', dependencies: ['errors', 'rate-limit'] },
)

/** The longest path segment the router takes (Fastify's maxParamLength): a longer one is a 414. */
export const MAX_PARAM_LENGTH = 200

/**
 * Fastify's `frameworkErrors`: a URL it cannot route (malformed percent-encoding, a path segment longer than
 * maxParamLength) is answered before any hook runs, so the headers every response carries (`headersFor`:
 * security and CORS) and the request id are set here, and the problem is rendered as every other one. No
 * hook runs for it: it is neither rate-limited nor counted in /metrics.
 */
export function frameworkProblem(apiPath: string, headersFor: (request: FastifyRequest) => Record<string, string>) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    reply.headers(headersFor(request)).header('x-request-id', request.id)
    // In this API's words, not the router's ("'/v1/posts/aaaa…' is exceeding the max param length"), which
    // repeats the whole path.
    if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      error = Object.assign(new Error(`A path segment is longer than ${MAX_PARAM_LENGTH} characters: no id or slug is that long`), { code: error.code, statusCode: error.statusCode }) as FastifyError
    }
    return renderError(request, reply, apiPath, error)
  }
}

/** What a request the HTTP parser refused gets: its status, and what to do about it. */
const CLIENT_ERRORS: Record<string, { status: number; detail: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, detail: 'The request line and headers are longer than the server takes (16 kB): shorten the URL or the headers' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, detail: 'The chunk extensions are longer than the server takes' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, detail: 'The request was not received in time' },
  // A method no HTTP server here knows (RFC 9110 9.1: 501), as opposed to one a resource does not take (405).
  HPE_INVALID_METHOD: { status: 501, detail: 'The request method is not one this server knows: the API takes GET, HEAD, POST, PATCH and DELETE' },
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refuses (headers past 16 kB, a malformed
 * request line or header, Content-Length with chunked encoding) never becomes a request, and Fastify would
 * answer it with a JSON of its own. It gets problem+json instead, with the headers every response carries
 * and a request id to quote, and the connection is closed (as Node and Fastify do: its bytes cannot be trusted).
 */
export function clientErrorProblem(headers: Record<string, string>) {
  return function (this: { log: { info: (o: object, m: string) => void } }, error: NodeJS.ErrnoException, socket: Duplex) {
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const { status, detail } = CLIENT_ERRORS[error.code ?? ''] ?? { status: 400, detail: 'The request is not valid HTTP/1.1' }
    const title = httpTitle(status)
    const requestId = randomUUID()
    // Logged with the id the client is given, as every request is.
    this.log.info({ requestId, err: { code: error.code, message: error.message }, status }, 'request refused by the HTTP parser')
    const body = JSON.stringify({ type: 'about:blank', title, status, detail, requestId })
    const fields = {
      ...headers,
      'content-type': 'application/problem+json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
      'x-request-id': requestId,
      connection: 'close',
    }
    // Not into a response being sent on this connection (keep-alive, pipelining): Node checks the same.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage
    if (socket.writable && !inFlight?.headersSent) {
      socket.write(`HTTP/1.1 ${status} ${title}\r\n${Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n${body}`)
    }
    socket.destroy(error)
  }
}

/**
 * The one place database constraint violations become client errors: a unique slug taken (23505) is a
 * 409, and so is deleting a row others still reference (23503, 23001: e.g. an author with posts).
 */
function constraintProblem(error: unknown): FastifyError | undefined {
  for (let e = error as { code?: string; constraint?: string; detail?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') {
      // A slug is the only unique value a client gives. Named like every other bad field: the body's `/slug`.
      if (/\(slug\)=/.test(e.detail ?? '')) {
        const fields: FieldError[] = [{ in: 'body', name: '/slug', message: 'is taken by another resource' }]
        return Object.assign(new ConflictError('Another resource already has this slug'), { code: 'QUIRE_SLUG_TAKEN', fields })
      }
      // Any other: the database's names for its keys are not the API's to show.
      return new ConflictError('The write conflicts with a resource already stored: nothing was stored')
    }
    if (e.code === '23503' || e.code === '23001') {
      return Object.assign(new ConflictError('The resource is still referenced by others (for example an author who still has posts)'), { code: 'QUIRE_IN_USE' })
    }
  }
  return undefined
}

type ValidationIssue = NonNullable<FastifyError['validation']>[number]

/**
 * One message per field, from ajv's errors. An anyOf's failures name the field once per branch, and read as
 * one choice ("must be a date (…) or a date-time (…)"). But when the value has the type of some branches and
 * not of others (`featureImage: { url: 5 }`, or `{}`), what went wrong is in the branches of its type, and
 * the others' ("featureImage must be null") are left out.
 */
export function fieldMessages(issues: ValidationIssue[]): { name: string; message: string }[] {
  const left = new Set<ValidationIssue>()
  for (const anyOf of issues.filter((v) => v.keyword === 'anyOf')) {
    const branches = new Map<string, ValidationIssue[]>()
    for (const v of issues) {
      if (!v.schemaPath.startsWith(`${anyOf.schemaPath}/`)) continue
      const branch = v.schemaPath.slice(anyOf.schemaPath.length + 1).split('/')[0]!
      branches.set(branch, [...(branches.get(branch) ?? []), v])
    }
    const ofAnotherType = [...branches.values()].filter((failed) => failed.some((v) => v.keyword === 'type' && v.instancePath === anyOf.instancePath))
    if (ofAnotherType.length === 0 || ofAnotherType.length === branches.size) continue
    left.add(anyOf)
    for (const failed of ofAnotherType) for (const v of failed) left.add(v)
  }
  const byField = new Map<string, string[]>()
  // A Set, not a search per issue: a body may hold a hundred thousand bad values.
  const withChoices = new Set(issues.filter((v) => v.keyword === 'enum').map((v) => v.instancePath))
  const tooShort = new Set(issues.filter((v) => v.keyword === 'minLength').map((v) => v.instancePath))
  for (const v of issues) {
    if (left.has(v)) continue
    const params = v.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[]; type?: unknown; pattern?: string; format?: string; limit?: number; i?: number; j?: number }
    const name = fieldOf(v)
    if (v.keyword === 'anyOf' && byField.has(name)) continue
    // A value of neither the type nor the choices (`status: 4`): the choices say both.
    if (v.keyword === 'type' && withChoices.has(v.instancePath)) continue
    // Too short (empty, most often): that says it; what its text must be besides would read as an alternative.
    if ((v.keyword === 'pattern' || v.keyword === 'format') && tooShort.has(v.instancePath)) continue
    // The field names itself: not "must have required property 'url'" (a key may be empty: `?=x`).
    const message = params.additionalProperty !== undefined ? 'is not a known field'
      : v.keyword === 'required' ? 'is required'
      : v.keyword === 'minLength' && params.limit === 1 ? 'must not be empty'
      : v.keyword === 'minLength' ? `must have at least ${params.limit} characters`
      : v.keyword === 'maxLength' ? `must have at most ${params.limit} characters`
      : v.keyword === 'minItems' ? `must have at least ${params.limit} ${params.limit === 1 ? 'item' : 'items'}`
      : v.keyword === 'maxItems' ? `must have at most ${params.limit} items`
      // Only PATCH bodies have one (1): an empty one changes nothing.
      : v.keyword === 'minProperties' ? `must name at least ${params.limit === 1 ? 'one field' : `${params.limit} fields`} to change`
      // ajv: "must NOT have duplicate items (items ## 1 and 0 are identical)".
      : v.keyword === 'uniqueItems' ? `must not repeat a value (items ${Math.min(params.i!, params.j!)} and ${Math.max(params.i!, params.j!)} are the same)`
      : v.keyword === 'enum' && params.allowedValues ? `must be one of: ${params.allowedValues.join(', ')}`
      // A nullable field's: ajv says "must be string,null".
      : v.keyword === 'type' && (Array.isArray(params.type) || String(params.type).includes(',')) ? `must be ${String(params.type).split(',').join(' or ')}`
      // In words, not the expression ("must match pattern "^[a-z0-9]+(?:-[a-z0-9]+)*$"") or the format's name.
      : v.keyword === 'pattern' && params.pattern && PATTERN_MESSAGES[params.pattern] ? PATTERN_MESSAGES[params.pattern]!
      : v.keyword === 'format' && params.format && FORMAT_MESSAGES[params.format] ? FORMAT_MESSAGES[params.format]!
      : (v.message ?? 'is invalid')
    const messages = byField.get(name) ?? []
    if (!messages.includes(message)) messages.push(message)
    byField.set(name, messages)
  }
  // "must be object or null", not "must be object or must be null".
  const choice = (messages: string[]) => messages.map((m, i) => (i > 0 && m.startsWith('must be ') && messages[i - 1]!.startsWith('must be ') ? m.slice(8) : m)).join(' or ')
  return [...byField].map(([name, messages]) => ({ name, message: choice(messages) }))
}

/** The fields an error names (InvalidFieldsError's, a taken slug's), if any. */
function fieldsOf(error: unknown): FieldError[] {
  return error instanceof InvalidFieldsError ? error.fields : ((error as { fields?: FieldError[] }).fields ?? [])
}

function renderError(request: FastifyRequest, reply: FastifyReply, apiPath: string, error: FastifyError) {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
  if (status >= 500) request.log.error({ err: error }, 'request failed')
  else request.log.info({ err: { code: error.code, message: error.message } }, 'request rejected')
  const known = error.code ? PROBLEM_TYPES[error.code] : undefined
  // A transient problem (the database gone, a write that kept colliding, a shutdown) says when to try again.
  if (known?.retryAfter) reply.header('retry-after', String(known.retryAfter))
  return sendProblem(request, reply, apiPath, {
    type: known?.type ?? 'about:blank',
    title: known?.title ?? httpTitle(status),
    status,
    // 5xx internals stay in the log: only errors of ours say what went wrong.
    detail: status >= 500 && !known ? 'An unexpected error occurred' : error.message,
    ...(fieldsOf(error).length > 0 ? { errors: fieldsOf(error) } : {}),
  })
}

function httpTitle(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? 'Server error' : 'Client error')
}
