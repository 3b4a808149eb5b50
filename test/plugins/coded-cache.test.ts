import zlib from 'node:zlib'
import t from 'tap'

// Counts Brotli compressions. Patched before the app (and @fastify/compress, which looks the compressor up
// when it is registered) is loaded.
let compressions = 0
const brotliCompressSync = zlib.brotliCompressSync
zlib.brotliCompressSync = ((...args: Parameters<typeof brotliCompressSync>) => {
  compressions++
  return brotliCompressSync(...args)
}) as typeof brotliCompressSync
const { build } = await import('../helper.js')
const { authHeaders } = await import('../support/auth.js')

t.test('the response cache keeps the compressed copy: a cached response is compressed once per version', async (t) => {
  const { app, database } = await build(t)
  const url = '/v1/posts?limit=20'
  const read = (acceptEncoding: string) => app.inject({ url, headers: { 'accept-encoding': acceptEncoding } })
  const plain = await app.inject(url)

  compressions = 0
  const bodies: Buffer[] = []
  for (let i = 0; i < 5; i++) {
    const res = await read('br')
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-encoding'], 'br')
    t.equal(res.headers.etag, `${(plain.headers.etag as string).slice(0, -1)}.br"`, 'the coded tag of the same representation')
    t.match(res.headers.vary, /Accept-Encoding/)
    t.equal(zlib.brotliDecompressSync(res.rawPayload).toString(), plain.body, 'decodes to the uncoded body')
    bodies.push(res.rawPayload)
  }
  t.equal(compressions, 1, 'compressed once: the first read was kept by the cache (read twice), the rest are its copy')
  t.ok(bodies.every((b) => b.equals(bodies[0]!)))

  const browser = await read('gzip, deflate, br, zstd')
  t.equal(browser.headers['content-encoding'], 'br')
  t.ok(browser.rawPayload.equals(bodies[0]!), 'any Accept-Encoding that negotiates br gets the same copy')
  t.equal(compressions, 1)

  const gzip = await read('gzip')
  t.equal(gzip.headers['content-encoding'], 'gzip')
  t.equal(zlib.gunzipSync(gzip.rawPayload).toString(), plain.body)
  t.ok((await read('x-gzip;q=0.5, br;q=0')).rawPayload.equals(gzip.rawPayload), 'each coding has its copy, negotiated as @fastify/compress does')
  t.equal((await app.inject(url)).body, plain.body, 'a client that accepts no coding still gets the uncoded body')
  t.equal((await app.inject({ url, headers: { 'accept-encoding': 'br', 'x-no-compression': '1' } })).body, plain.body, 'and so does one that asks for none')

  const head = await app.inject({ method: 'HEAD', url, headers: { 'accept-encoding': 'br' } })
  t.equal(head.statusCode, 200)
  t.equal(head.headers['content-encoding'], 'br', 'a HEAD gets the headers of the copy a GET would get')
  t.equal(head.headers['content-length'], String(bodies[0]!.length))
  t.equal(head.headers.etag, `${(plain.headers.etag as string).slice(0, -1)}.br"`)
  t.equal(compressions, 1, 'the copy kept, not compressed again')

  const notModified = await app.inject({ url, headers: { 'accept-encoding': 'br', 'if-none-match': `${(plain.headers.etag as string).slice(0, -1)}.br"` } })
  t.equal(notModified.statusCode, 304, 'the coded tag revalidates')

  // A write: a new version, so a new body, compressed again.
  const headers = await authHeaders(database.db)
  const created = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Fresh news', markdown: 'Hot off the press.', authors: ['mateo-ruiz'], status: 'published' } })
  t.equal(created.statusCode, 201)
  compressions = 0
  const fresh = await read('br')
  t.match(zlib.brotliDecompressSync(fresh.rawPayload).toString(), /Fresh news/, 'the new content, never the old copy')
  t.equal(compressions, 1)
})

t.test('a coded copy from the response cache is revalidated by its coded tag, though the copy is small', async (t) => {
  // More reads than a minute's default limit.
  const { app } = await build(t, { env: { RATE_LIMIT_READS_PER_MINUTE: '0' } })
  // Over 1 kB as JSON (so compressed), under it as Brotli.
  const url = '/v1/tags?limit=4'
  const br = { 'accept-encoding': 'br' }
  const plain = await app.inject(url)
  t.ok(plain.rawPayload.length >= 1024, `${plain.rawPayload.length} bytes uncoded`)
  for (let i = 0; i < 3; i++) await app.inject({ url, headers: br })
  const kept = await app.inject({ url, headers: br })
  t.equal(kept.headers['content-encoding'], 'br')
  t.ok(kept.rawPayload.length < 1024, `${kept.rawPayload.length} bytes coded`)
  // The validators the cache notes beside its responses, for every URL read, are pushed out by thousands of
  // URLs read once (2 kB each, near the longest a URL may be to be noted): the kept response answers alone.
  const padding = 'x'.repeat(1900)
  for (let i = 0; i < 1200; i++) await app.inject(`/problems/not-found?${i}=${padding}`)
  const revalidated = await app.inject({ url, headers: { ...br, 'if-none-match': kept.headers.etag as string } })
  t.equal(revalidated.statusCode, 304, 'its own tag')
  t.equal(revalidated.headers.etag, kept.headers.etag)
  const plainTag = await app.inject({ url, headers: { ...br, 'if-none-match': plain.headers.etag as string } })
  t.equal(plainTag.statusCode, 200, 'the uncoded copy\'s tag names another representation')
  t.equal(plainTag.headers['content-encoding'], 'br')
})
