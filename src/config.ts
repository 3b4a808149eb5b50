import { isIP } from 'node:net'
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import { StringEnum } from './lib/schemas.js'

/** An absolute http(s) URL: a host (no braces: a template's `{slug}` belongs in the path), then a path or nothing. */
const ABSOLUTE_URL = '^https?://[^\\s/{}]+(/\\S*)?$'
const absoluteUrl = new RegExp(ABSOLUTE_URL)
const MUST_BE_ABSOLUTE = 'an absolute http:// or https:// URL (https://blog.example.com)'

const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', mustBe: 'a postgres:// or postgresql:// URL (postgres://user:password@host:5432/database)' })),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  LOG_LEVEL: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  LOG_FORMAT: StringEnum(['auto', 'json', 'pretty'], { default: 'auto' }),
  // Unset: http://localhost:PORT, so that a server started on another port links to itself.
  SITE_URL: Type.Optional(Type.String({ pattern: ABSOLUTE_URL, mustBe: MUST_BE_ABSOLUTE })),
  SITE_TITLE: Type.String({ minLength: 1, default: 'Fernhill Engineering' }),
  SITE_DESCRIPTION: Type.String({ default: 'How the engineers at Fernhill build logistics software: architecture, reliability, data and the web.' }),
  SITE_LANGUAGE: Type.String({ pattern: '^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$', mustBe: 'a language tag such as en or pt-BR', default: 'en' }),
  API_URL: Type.Optional(Type.String({ pattern: ABSOLUTE_URL, mustBe: MUST_BE_ABSOLUTE })),
  POST_URL_TEMPLATE: Type.Optional(Type.String({ pattern: '\\{(slug|id)\\}', mustBe: 'a URL with {slug} or {id} in it (https://blog.example.com/posts/{slug})' })),
  TAG_URL_TEMPLATE: Type.Optional(Type.String({ pattern: '\\{slug\\}', mustBe: 'a URL with {slug} in it (https://blog.example.com/tags/{slug})' })),
  AUTHOR_URL_TEMPLATE: Type.Optional(Type.String({ pattern: '\\{slug\\}', mustBe: 'a URL with {slug} in it (https://blog.example.com/authors/{slug})' })),
  CORS_ORIGINS: Type.String({ default: '' }),
  WEBSUB_HUB: Type.Optional(Type.String({ pattern: ABSOLUTE_URL, mustBe: MUST_BE_ABSOLUTE })),
  CACHE_MAX_AGE: Type.Integer({ minimum: 0, maximum: 86400, default: 60 }),
  RESPONSE_CACHE_MB: Type.Integer({ minimum: 0, maximum: 4096, default: 32 }),
  CURSOR_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  SEED_DEMO: StringEnum(['auto', 'if-empty', 'never'], { default: 'auto' }),
  // Checked by parseTrustProxy: true, false, or proxy addresses and CIDR ranges.
  TRUST_PROXY: Type.String({ minLength: 1, default: 'false' }),
  RATE_LIMIT_READS_PER_MINUTE: Type.Integer({ minimum: 0, default: 1000 }),
  RATE_LIMIT_WRITES_PER_MINUTE: Type.Integer({ minimum: 0, default: 60 }),
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: Type.Integer({ minimum: 0, default: 10 }),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, pattern: '^\\S+$', mustBe: 'a token without spaces' })),
  POST_RENDER_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60000, default: 3000 }),
})

/** Every variable the service reads (the README's table and the compose file list each one). */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.properties)

export interface Config {
  port: number
  host: string
  /** PostgreSQL when set; embedded PGlite under `dataDir` otherwise. */
  databaseUrl: string | undefined
  /** PGlite's data directory, or `memory://` for a throwaway database. */
  dataDir: string
  logLevel: Static<typeof EnvSchema>['LOG_LEVEL']
  /** Human-readable log lines (pino-pretty) instead of JSON: LOG_FORMAT, or `auto` = stdout is a terminal. */
  logPretty: boolean
  /** Fastify's `trustProxy`: whom to believe about the client address (X-Forwarded-For) that rate limits key on. */
  trustProxy: boolean | string[]
  site: {
    url: string
    title: string
    description: string
    language: string
    /** `{slug}`, `{id}`, `{year}`, `{month}`, `{day}` are replaced per post. */
    postUrlTemplate: string
    tagUrlTemplate: string
    authorUrlTemplate: string
    /** Where this API is publicly reachable (feed self links); defaults to the site URL. */
    apiUrl: string
    /**
     * API_URL's path ('' at the root, or without API_URL): what a proxy serving the API below a path (`/api`)
     * takes off before passing a request on, and every path-absolute link the API sends puts back (see publicPath).
     */
    apiPath: string
  }
  corsOrigins: string[]
  /** A WebSub hub that feeds advertise with `rel="hub"`, so readers can subscribe to pushes instead of polling. */
  websubHub: string | undefined
  /**
   * Signs keyset cursors. When unset, the key kept in the database (service_secrets) signs them, so every
   * replica and every restart signs alike.
   */
  cursorSecret: string | undefined
  /** Memory for the in-process cache of rendered public responses, in bytes (0 turns it off). */
  responseCacheBytes: number
  /** `Cache-Control: max-age` for public GETs, in seconds. */
  cacheMaxAge: number
  /**
   * When the demo archive is loaded at start-up: `auto` into an embedded database that holds no posts,
   * `if-empty` into any database that holds none (the compose stack), `never`.
   */
  seedDemo: 'auto' | 'if-empty' | 'never'
  /** Requests per client address and minute; 0 turns a limit off. */
  rateLimit: { readsPerMinute: number; writesPerMinute: number; authFailuresPerMinute: number }
  /** When set, GET /metrics needs `Authorization: Bearer <token>`; unset, it is open (scraped on a private network). */
  metricsToken: string | undefined
  /** How long a written post's body may take to prepare (render, sanitise) before the write is refused. */
  postRenderTimeoutMs: number
}

/** Variables whose values are secrets: an error names them without printing them. */
const SECRET_VARIABLES = new Set(['CURSOR_SECRET', 'METRICS_TOKEN'])

/**
 * A URL (DATABASE_URL above all) as an error or a log line may print it: its userinfo, user and password, is
 * `***`, all of it up to the last `@`. A password pasted as it is may hold `@`, `:`, `/`, `#` or a space, so
 * nothing but the last `@` says where it ends: `postgres://u:p@ss@h/db` is `postgres://***@h/db`, not
 * `u:***@ss@h/db`. Also without a scheme (`u:p@h/db`, a URL whose scheme was forgotten).
 */
export function hideCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/is, '$1***@')
}

/**
 * A value as a configuration error may print it: secrets hidden, and a URL's credentials. DATABASE_URL's are
 * hidden up to the last `@` (hideCredentials); another URL's only as URLs write them, before the host, so
 * that `https://medium.com/@alice/{slug}` keeps the host and path an operator needs to see.
 */
function shown(name: string, value: unknown): unknown {
  if (typeof value !== 'string') return value
  if (SECRET_VARIABLES.has(name)) return `<${value.length} characters, not shown>`
  if (name === 'DATABASE_URL') return hideCredentials(value)
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1***@')
}

/** A variable's error in words: the choices an enum offers, what a pattern stands for (`mustBe`), not the regex. */
function plainMessage(error: { keyword: string; instancePath: string; message: string; params: unknown }): string {
  const schema = (EnvSchema.properties as Record<string, { mustBe?: string } | undefined>)[error.instancePath.slice(1)]
  if (error.keyword === 'enum') return `must be one of: ${(error.params as { allowedValues: string[] }).allowedValues.join(', ')}`
  if (error.keyword === 'pattern' && schema?.mustBe) return `must be ${schema.mustBe}`
  return error.message
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * The only reader of the environment: validates every variable once and names the bad ones. `terminal` says
 * whether stdout is a terminal, which `LOG_FORMAT=auto` follows.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, terminal = process.stdout.isTTY === true): Config {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  // Value.Convert truncates `2.5` to 2 for an integer (and converts in place): a value that is not a whole
  // number is an error instead.
  const notWhole = Object.entries(EnvSchema.properties)
    .filter(([key, schema]) => (schema as { type?: string }).type === 'integer' && typeof raw[key] === 'string' && !/^\s*[+-]?\d+\s*$/.test(raw[key]))
    .map(([key]) => ({ name: key, message: 'must be a whole number', got: raw[key] }))
  const converted = Value.Default(EnvSchema, Value.Convert(EnvSchema, structuredClone(raw)))
  const errors = [...Value.Errors(EnvSchema, converted)]
    .map((e) => ({ name: e.instancePath.slice(1) || '(root)', message: plainMessage(e), got: raw[e.instancePath.slice(1)] }))
    .filter((e) => !notWhole.some((n) => n.name === e.name))
  errors.push(...notWhole)
  const trustProxy = parseTrustProxy(String((converted as { TRUST_PROXY?: unknown }).TRUST_PROXY ?? 'false'))
  // Origins as browsers send them (RFC 6454 6.2: scheme, host in lower case, a port only if not the scheme's
  // own; no path, no trailing slash), or `*`: any other entry could never match, and the origin it was meant
  // for would be refused without a word.
  for (const entry of String((converted as { CORS_ORIGINS?: unknown }).CORS_ORIGINS ?? '').split(',').map((o) => o.trim())) {
    if (entry === '' || entry === '*') continue
    const serialized = /^https?:\/\/[^\s/]+$/.test(entry) && URL.canParse(entry) ? new URL(entry).origin : undefined
    if (serialized === entry && !entry.includes('*')) continue
    const message = entry.includes('*') ? `"${entry}" has a wildcard, which origins cannot: list each origin, or give * alone for any`
      : serialized ? `"${entry}" is not an origin as browsers send it: give "${serialized}"`
      : `"${entry}" is not an origin: give scheme://host[:port] (no path), or *`
    errors.push({ name: 'CORS_ORIGINS', message, got: raw.CORS_ORIGINS })
    break
  }
  // Links in feeds must be absolute (RSS 2.0, Atom's readers): a template of a path alone would give `/posts/x`.
  for (const name of ['POST_URL_TEMPLATE', 'TAG_URL_TEMPLATE', 'AUTHOR_URL_TEMPLATE'] as const) {
    const template = (converted as Record<string, unknown>)[name]
    if (typeof template === 'string' && !absoluteUrl.test(template)) {
      errors.push({ name, message: 'must be an absolute http:// or https:// URL: feeds and readers need whole links', got: raw[name] })
    }
  }
  // Links are made by appending paths to SITE_URL and API_URL (`${SITE_URL}/posts/{slug}`, `${API_URL}/feed.xml`):
  // a query or a fragment would land in the middle of every one. WEBSUB_HUB is called as it is given: a query
  // may be the hub's own (a token), but a fragment is never sent to it. The templates keep theirs: `?p={id}`
  // and `#/posts/{slug}` are frontends' own routes, and nothing is appended to a filled template.
  const noQueryOrFragment = [
    ['SITE_URL', /[?#]/, 'a query (?) or a fragment (#): post, tag and author URLs are made by appending paths to it'],
    ['API_URL', /[?#]/, 'a query (?) or a fragment (#): feed URLs are made by appending paths to it'],
    ['WEBSUB_HUB', /#/, 'a fragment (#): it is never sent to the hub'],
  ] as const
  for (const [name, refused, what] of noQueryOrFragment) {
    const value = (converted as Record<string, unknown>)[name]
    if (typeof value === 'string' && refused.test(value) && !errors.some((e) => e.name === name)) {
      errors.push({ name, message: `must not have ${what}`, got: raw[name] })
    }
  }
  // URLs the shape checks above pass may still not parse (a port past 65535): each is used as a URL.
  for (const name of ['SITE_URL', 'API_URL', 'WEBSUB_HUB', 'POST_URL_TEMPLATE', 'TAG_URL_TEMPLATE', 'AUTHOR_URL_TEMPLATE'] as const) {
    const value = (converted as Record<string, unknown>)[name]
    if (typeof value === 'string' && !errors.some((e) => e.name === name) && !URL.canParse(value.replace(/\{(slug|id)\}/g, 'x'))) {
      errors.push({ name, message: 'is not a URL that can be read (a port past 65535? a space?)', got: raw[name] })
    }
  }
  const databaseUrl = (converted as { DATABASE_URL?: unknown }).DATABASE_URL
  if (typeof databaseUrl === 'string' && !errors.some((e) => e.name === 'DATABASE_URL') && !URL.canParse(databaseUrl)) {
    errors.push({ name: 'DATABASE_URL', message: 'is not a URL that can be read (a port past 65535? a space, or a character of the password to percent-encode?)', got: raw.DATABASE_URL })
  }
  if (trustProxy === undefined) errors.push({ name: 'TRUST_PROXY', message: 'must be true, false, or proxy addresses, CIDR ranges or loopback/linklocal/uniquelocal', got: raw.TRUST_PROXY })
  if (errors.length > 0) {
    const lines = errors.map((e) => `${e.name}: ${e.message} (got ${JSON.stringify(shown(e.name, e.got))})`)
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`)
  }
  const e = converted as Static<typeof EnvSchema>
  const siteUrl = (e.SITE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '')
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_FORMAT === 'pretty' || (e.LOG_FORMAT === 'auto' && terminal),
    trustProxy: trustProxy!,
    site: {
      url: siteUrl,
      title: e.SITE_TITLE,
      description: e.SITE_DESCRIPTION,
      language: e.SITE_LANGUAGE,
      postUrlTemplate: e.POST_URL_TEMPLATE ?? `${siteUrl}/posts/{slug}`,
      tagUrlTemplate: e.TAG_URL_TEMPLATE ?? `${siteUrl}/tags/{slug}`,
      authorUrlTemplate: e.AUTHOR_URL_TEMPLATE ?? `${siteUrl}/authors/{slug}`,
      apiUrl: (e.API_URL ?? siteUrl).replace(/\/+$/, ''),
      // From API_URL alone: a site below a path (SITE_URL) says nothing of where a proxy serves the API.
      apiPath: e.API_URL ? new URL(e.API_URL).pathname.replace(/\/+$/, '') : '',
    },
    corsOrigins: e.CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
    websubHub: e.WEBSUB_HUB,
    cacheMaxAge: e.CACHE_MAX_AGE,
    responseCacheBytes: e.RESPONSE_CACHE_MB * 1024 * 1024,
    cursorSecret: e.CURSOR_SECRET,
    seedDemo: e.SEED_DEMO,
    rateLimit: {
      readsPerMinute: e.RATE_LIMIT_READS_PER_MINUTE,
      writesPerMinute: e.RATE_LIMIT_WRITES_PER_MINUTE,
      authFailuresPerMinute: e.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
    },
    metricsToken: e.METRICS_TOKEN,
    postRenderTimeoutMs: e.POST_RENDER_TIMEOUT_MS,
  }
}

/**
 * `true` (trust any forwarder), `false`, or the proxies' addresses, CIDR ranges and proxy-addr's names
 * (`loopback`, `linklocal`, `uniquelocal`: the last covers Docker's networks); undefined when malformed.
 * Fastify 5 no longer takes a hop count (it cannot tell a proxy from a client that claims hops).
 */
function parseTrustProxy(value: string): Config['trustProxy'] | undefined {
  if (value === 'true' || value === 'false') return value === 'true'
  const entries = value.split(',').map((s) => s.trim())
  const valid = entries.every((entry) => {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true
    const [address, bits, extra] = entry.split('/')
    const family = isIP(address ?? '')
    if (family === 0 || extra !== undefined) return false
    return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))
  })
  return valid ? entries : undefined
}
