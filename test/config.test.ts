import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

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
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ SITE_URL: 'blog.example.com' }, /SITE_URL/],
    [{ POST_URL_TEMPLATE: 'https://x.example.com/posts' }, /POST_URL_TEMPLATE/],
  ]
  for (const [env, name] of cases) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message: name }, JSON.stringify(env))
  }
  t.throws(() => loadConfig({ PORT: 'x' }), ConfigError)
})
