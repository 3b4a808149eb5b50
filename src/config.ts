import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import { StringEnum } from './lib/schemas.js'

const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  LOG_LEVEL: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  SITE_URL: Type.String({ pattern: '^https?://[^\\s/]+(/[^\\s]*)?$', default: 'http://localhost:3000' }),
  SITE_TITLE: Type.String({ minLength: 1, default: 'Fernhill Engineering' }),
  SITE_DESCRIPTION: Type.String({ default: 'How the engineers at Fernhill build logistics software: architecture, reliability, data and the web.' }),
  SITE_LANGUAGE: Type.String({ pattern: '^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$', default: 'en' }),
  API_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s/]+(/[^\\s]*)?$' })),
  POST_URL_TEMPLATE: Type.Optional(Type.String({ pattern: '\\{(slug|id)\\}' })),
  TAG_URL_TEMPLATE: Type.Optional(Type.String({ pattern: '\\{slug\\}' })),
  AUTHOR_URL_TEMPLATE: Type.Optional(Type.String({ pattern: '\\{slug\\}' })),
  CORS_ORIGINS: Type.String({ default: '' }),
  WEBSUB_HUB: Type.Optional(Type.String({ pattern: '^https?://[^\\s/]+(/[^\\s]*)?$' })),
  CACHE_MAX_AGE: Type.Integer({ minimum: 0, maximum: 86400, default: 60 }),
  RESPONSE_CACHE_MB: Type.Integer({ minimum: 0, maximum: 4096, default: 32 }),
  CURSOR_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  SEED_DEMO: StringEnum(['auto', 'if-empty', 'never'], { default: 'auto' }),
})

export interface Config {
  port: number
  host: string
  /** PostgreSQL when set; embedded PGlite under `dataDir` otherwise. */
  databaseUrl: string | undefined
  /** PGlite's data directory, or `memory://` for a throwaway database. */
  dataDir: string
  logLevel: Static<typeof EnvSchema>['LOG_LEVEL']
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
  }
  corsOrigins: string[]
  /** A WebSub hub that feeds advertise with `rel="hub"`, so readers can subscribe to pushes instead of polling. */
  websubHub: string | undefined
  /**
   * Signs keyset cursors. Replicas behind one load balancer must share it; when unset each process makes
   * its own (cursors then only work on the process that issued them).
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
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** The only reader of the environment: validates every variable once and names the bad ones. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  const converted = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw))
  const errors = [...Value.Errors(EnvSchema, converted)]
  if (errors.length > 0) {
    const lines = errors.map((e) => `${e.instancePath.slice(1) || '(root)'}: ${e.message} (got ${JSON.stringify(raw[e.instancePath.slice(1)])})`)
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`)
  }
  const e = converted as Static<typeof EnvSchema>
  const siteUrl = e.SITE_URL.replace(/\/+$/, '')
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    site: {
      url: siteUrl,
      title: e.SITE_TITLE,
      description: e.SITE_DESCRIPTION,
      language: e.SITE_LANGUAGE,
      postUrlTemplate: e.POST_URL_TEMPLATE ?? `${siteUrl}/posts/{slug}`,
      tagUrlTemplate: e.TAG_URL_TEMPLATE ?? `${siteUrl}/tags/{slug}`,
      authorUrlTemplate: e.AUTHOR_URL_TEMPLATE ?? `${siteUrl}/authors/{slug}`,
      apiUrl: (e.API_URL ?? siteUrl).replace(/\/+$/, ''),
    },
    corsOrigins: e.CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
    websubHub: e.WEBSUB_HUB,
    cacheMaxAge: e.CACHE_MAX_AGE,
    responseCacheBytes: e.RESPONSE_CACHE_MB * 1024 * 1024,
    cursorSecret: e.CURSOR_SECRET,
    seedDemo: e.SEED_DEMO,
  }
}
