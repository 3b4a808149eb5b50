import t, { type Test } from 'tap'
import { ConfigError, hideCredentials, loadConfig } from '../src/config.js'

type BadEnv = [env: Record<string, string>, message: RegExp]

/** Each environment stops start-up with a ConfigError whose message names what is wrong. */
function refusesEach(t: Test, cases: BadEnv[]): void {
  for (const [env, message] of cases) t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env))
}

t.test('loadConfig applies the documented defaults', async (t) => {
  const config = loadConfig({})
  t.match(config, {
    port: 3000,
    host: '127.0.0.1',
    databaseUrl: undefined,
    dataDir: './data',
    logLevel: 'info',
    corsOrigins: [],
    cacheMaxAge: 60,
    site: {
      url: 'http://localhost:3000',
      language: 'en',
      postUrlTemplate: 'http://localhost:3000/posts/{slug}',
      tagUrlTemplate: 'http://localhost:3000/tags/{slug}',
      authorUrlTemplate: 'http://localhost:3000/authors/{slug}',
      apiUrl: 'http://localhost:3000',
    },
  })
})

t.test('unset, the site and API URLs are this server on its own port', async (t) => {
  const site = loadConfig({ PORT: '4123' }).site
  t.equal(site.url, 'http://localhost:4123')
  t.equal(site.apiUrl, 'http://localhost:4123', 'so the feeds\' self links reach it')
  t.equal(site.postUrlTemplate, 'http://localhost:4123/posts/{slug}')
  t.equal(loadConfig({ PORT: '4123', SITE_URL: 'https://blog.example.com' }).site.apiUrl, 'https://blog.example.com', 'a SITE_URL given is kept')
})

t.test("the API's path, which every path-absolute link it sends is below, comes from API_URL alone", async (t) => {
  t.equal(loadConfig({}).site.apiPath, '')
  t.equal(loadConfig({ API_URL: 'https://example.com' }).site.apiPath, '')
  t.equal(loadConfig({ API_URL: 'https://example.com/api/' }).site.apiPath, '/api')
  t.equal(loadConfig({ API_URL: 'https://example.com/blog/api' }).site.apiPath, '/blog/api')
  const below = loadConfig({ SITE_URL: 'https://example.com/blog' }).site
  t.equal(below.apiUrl, 'https://example.com/blog', 'feeds are at the site\'s URL by default')
  t.equal(below.apiPath, '', 'but a site below a path says nothing of where a proxy serves the API')
})

t.test('loadConfig reads and converts every variable', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    HOST: '0.0.0.0',
    DATABASE_URL: 'postgres://quire@db:5432/quire',
    SITE_URL: 'https://blog.example.com/',
    POST_URL_TEMPLATE: 'https://blog.example.com/{year}/{month}/{slug}/',
    CORS_ORIGINS: 'https://a.example.com, https://b.example.com',
    LOG_LEVEL: 'warn',
  })
  t.equal(config.port, 8080)
  t.equal(config.databaseUrl, 'postgres://quire@db:5432/quire')
  t.equal(config.site.url, 'https://blog.example.com', 'a trailing slash is dropped')
  t.equal(config.site.postUrlTemplate, 'https://blog.example.com/{year}/{month}/{slug}/')
  t.same(config.corsOrigins, ['https://a.example.com', 'https://b.example.com'])
})

t.test('a bad value stops start-up with a message naming the variable', async (t) => {
  const cases: BadEnv[] = [
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    // In words, with the choices, or what a pattern stands for: never the regex.
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: must be one of: fatal, error, warn, info, debug, trace, silent \(got "loud"\)/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/],
    // Prefixed right, but not a URL: pg would fail on it at connect time with "Invalid URL" alone.
    [{ DATABASE_URL: 'postgres://127.0.0.1:99999/quire' }, /DATABASE_URL: is not a URL that can be read/],
    [{ SITE_URL: 'blog.example.com' }, /SITE_URL: must be an absolute http:\/\/ or https:\/\/ URL \(https:\/\/blog.example.com\)/],
    [{ SITE_LANGUAGE: 'english!' }, /SITE_LANGUAGE: must be a language tag such as en or pt-BR/],
    [{ POST_URL_TEMPLATE: 'https://x.example.com/posts' }, /POST_URL_TEMPLATE: must be a URL with \{slug\} or \{id\} in it/],
    // A path alone: every feed's links would be relative.
    [{ POST_URL_TEMPLATE: '/posts/{slug}' }, /POST_URL_TEMPLATE: must be an absolute http:\/\/ or https:\/\/ URL/],
    [{ TAG_URL_TEMPLATE: 'blog.example.com/tags/{slug}' }, /TAG_URL_TEMPLATE: must be an absolute/],
    [{ AUTHOR_URL_TEMPLATE: 'ftp://blog.example.com/{slug}' }, /AUTHOR_URL_TEMPLATE: must be an absolute/],
    [{ POST_URL_TEMPLATE: 'https://blog.example.com{slug}' }, /POST_URL_TEMPLATE: must be an absolute/], // the slug glued to the host
    // Links are made by appending paths: https://x.com/blog?utm=1#frag/posts/<slug>.
    [{ SITE_URL: 'https://x.com/blog?utm=1#frag' }, /SITE_URL: must not have a query \(\?\) or a fragment \(#\): post, tag and author URLs are made by appending paths to it \(got "https:\/\/x.com\/blog\?utm=1#frag"\)/],
    [{ SITE_URL: 'https://x.com?utm=1' }, /SITE_URL: must not have a query/],
    [{ SITE_URL: 'https://x.com/blog#top' }, /SITE_URL: must not have a query \(\?\) or a fragment/],
    [{ API_URL: 'https://x.com/api?v=1' }, /API_URL: must not have a query \(\?\) or a fragment \(#\): feed URLs are made by appending paths to it/],
    [{ API_URL: 'https://x.com/api#x' }, /API_URL: must not have a query/],
    [{ WEBSUB_HUB: 'https://hub.example.com/#publish' }, /WEBSUB_HUB: must not have a fragment \(#\): it is never sent to the hub/],
    // Origins that could never match what a browser sends.
    [{ CORS_ORIGINS: 'app.example.com' }, /CORS_ORIGINS: "app.example.com" is not an origin/],
    [{ CORS_ORIGINS: 'https://app.example.com/' }, /CORS_ORIGINS: "https:\/\/app.example.com\/" is not an origin/],
    [{ CORS_ORIGINS: 'https://a.example.com, preview.example.com' }, /"preview.example.com" is not an origin/],
    // What a browser would never send as it is written (RFC 6454 6.2), so it could never match.
    [{ CORS_ORIGINS: 'https://App.Example.com' }, /CORS_ORIGINS: "https:\/\/App.Example.com" is not an origin as browsers send it: give "https:\/\/app.example.com"/],
    [{ CORS_ORIGINS: 'https://b.example.com:443' }, /give "https:\/\/b.example.com"/],
    [{ CORS_ORIGINS: 'http://b.example.com:80' }, /give "http:\/\/b.example.com"/],
    [{ CORS_ORIGINS: 'https://*.example.com' }, /"https:\/\/\*.example.com" has a wildcard, which origins cannot: list each origin, or give \* alone/],
    // A URL the shape check passes that does not parse: a stack trace from new URL() before.
    [{ API_URL: 'https://example.com:99999/api' }, /API_URL: is not a URL that can be read/],
    [{ SITE_URL: 'https://example.com:99999' }, /SITE_URL: is not a URL that can be read/],
    [{ WEBSUB_HUB: 'https://hub.example.com:70000/' }, /WEBSUB_HUB: is not a URL that can be read/],
    [{ POST_URL_TEMPLATE: 'https://example.com:70000/posts/{slug}' }, /POST_URL_TEMPLATE: is not a URL that can be read/],
  ]
  refusesEach(t, cases)
  t.throws(() => loadConfig({ PORT: 'x' }), ConfigError)
  for (const [env, secret] of [[{ DATABASE_URL: 'pg://quire:hunter2@db.example.com/quire' }, 'hunter2'], [{ CURSOR_SECRET: 'too-short-but-secret' }, 'too-short-but-secret']] as const) {
    try {
      loadConfig(env)
      t.fail('refused')
    } catch (error) {
      t.notMatch((error as Error).message, secret, `${Object.keys(env)[0]}: the error names the variable, not its secret`)
      t.match((error as Error).message, Object.keys(env)[0]!)
    }
  }
  // A password holding an @ (or a /, a #: not percent-encoded) is hidden whole, with the user.
  refusesEach(t, [
    [{ DATABASE_URL: 'postgres://u:p@ss@h:99999/db' }, /^Invalid configuration:\n {2}DATABASE_URL: is not a URL that can be read .* \(got "postgres:\/\/\*\*\*@h:99999\/db"\)$/],
    [{ DATABASE_URL: 'postgres://quire:pa/ss#1@db.example.com:99999/quire' }, /\(got "postgres:\/\/\*\*\*@db.example.com:99999\/quire"\)$/],
    [{ DATABASE_URL: 'quire:hunter2@db.example.com/quire' }, /DATABASE_URL: must be a postgres:\/\/ .*\(got "\*\*\*@db.example.com\/quire"\)$/],
    // Other URLs hold no password pasted raw: an @ in their path or query is no userinfo, and stays, with the host.
    [{ SITE_URL: 'https://medium.com/@alice?ref=team@example.com#x' }, /SITE_URL: .*\(got "https:\/\/medium.com\/@alice\?ref=team@example.com#x"\)$/],
    [{ WEBSUB_HUB: 'https://user:secret@hub.example.com/#x' }, /WEBSUB_HUB: .*\(got "https:\/\/\*\*\*@hub.example.com\/#x"\)$/],
  ])
  t.same(loadConfig({ CORS_ORIGINS: ' https://a.example.com, http://localhost:5173 ,' }).corsOrigins, ['https://a.example.com', 'http://localhost:5173'], 'origins, with ports and spaces')
})

t.test('a hub URL keeps its query, and URL templates their query or fragment: they are used as given', async (t) => {
  t.equal(loadConfig({ WEBSUB_HUB: 'https://hub.example.com/publish?token=abc' }).websubHub, 'https://hub.example.com/publish?token=abc')
  const site = loadConfig({ POST_URL_TEMPLATE: 'https://blog.example.com/?p={id}', TAG_URL_TEMPLATE: 'https://app.example.com/#/tags/{slug}' }).site
  t.equal(site.postUrlTemplate, 'https://blog.example.com/?p={id}', 'a frontend that routes by query')
  t.equal(site.tagUrlTemplate, 'https://app.example.com/#/tags/{slug}', 'a frontend that routes by fragment')
})

t.test('operations settings: rate limits, proxies, metrics token, log format', async (t) => {
  const defaults = loadConfig({}, false)
  t.same(defaults.rateLimit, { readsPerMinute: 1000, writesPerMinute: 60, authFailuresPerMinute: 10 })
  t.equal(defaults.trustProxy, false)
  t.equal(defaults.metricsToken, undefined)
  t.equal(defaults.logPretty, false, 'JSON when stdout is not a terminal')
  t.equal(loadConfig({}, true).logPretty, true, 'pretty on a terminal')
  t.equal(loadConfig({ LOG_FORMAT: 'json' }, true).logPretty, false)
  t.equal(loadConfig({ LOG_FORMAT: 'pretty' }, false).logPretty, true)

  const set = loadConfig({
    RATE_LIMIT_READS_PER_MINUTE: '0',
    RATE_LIMIT_WRITES_PER_MINUTE: '5',
    RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3',
    TRUST_PROXY: '10.0.0.0/8, 192.168.1.7, uniquelocal, ::1',
    METRICS_TOKEN: 'a-long-enough-token',
  })
  t.same(set.rateLimit, { readsPerMinute: 0, writesPerMinute: 5, authFailuresPerMinute: 3 })
  t.same(set.trustProxy, ['10.0.0.0/8', '192.168.1.7', 'uniquelocal', '::1'])
  t.equal(set.metricsToken, 'a-long-enough-token')
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true)

  const cases: BadEnv[] = [
    [{ RATE_LIMIT_READS_PER_MINUTE: '-1' }, /RATE_LIMIT_READS_PER_MINUTE/],
    [{ RATE_LIMIT_WRITES_PER_MINUTE: 'lots' }, /RATE_LIMIT_WRITES_PER_MINUTE/],
    [{ RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '2.5' }, /RATE_LIMIT_AUTH_FAILURES_PER_MINUTE/],
    [{ TRUST_PROXY: '2' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: 'proxy.example.com' }, /TRUST_PROXY/],
    [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN/],
    [{ LOG_FORMAT: 'xml' }, /LOG_FORMAT/],
    [{ PORT: '3000.5' }, /PORT: must be a whole number/],
  ]
  refusesEach(t, cases)
})

t.test('hideCredentials hides a URL\'s user and password, up to the last @, and leaves a URL without them alone', async (t) => {
  t.equal(hideCredentials('postgres://u:p@ss@h:5432/db'), 'postgres://***@h:5432/db')
  t.equal(hideCredentials('postgres://quire:s3cret@db.example.com/quire?sslmode=verify-full'), 'postgres://***@db.example.com/quire?sslmode=verify-full')
  t.equal(hideCredentials('postgres://u:p ss/w#rd@h/db'), 'postgres://***@h/db', 'a space, a slash, a hash')
  t.equal(hideCredentials('postgres://postgres@127.0.0.1:5432/quire'), 'postgres://***@127.0.0.1:5432/quire')
  t.equal(hideCredentials('postgres://127.0.0.1:5432/quire'), 'postgres://127.0.0.1:5432/quire')
  t.equal(hideCredentials('https://blog.example.com'), 'https://blog.example.com')
})
