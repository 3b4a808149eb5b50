import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import t from 'tap'
import { build } from '../helper.js'
import { authHeaders } from '../support/auth.js'

const decode: Record<string, (body: Buffer) => Buffer> = { br: brotliDecompressSync, gzip: gunzipSync }

t.test('compression', async (t) => {
  const { app, database } = await build(t)
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers })

  t.test('JSON and the three feeds are sent as br or gzip, byte for byte the same once decoded', async (t) => {
    for (const url of ['/v1/posts', '/v1/posts/slos-for-internal-platforms', '/feed.xml', '/feed.atom', '/feed.json', '/openapi.json']) {
      const plain = await get(url)
      t.notOk(plain.headers['content-encoding'], `${url} without Accept-Encoding is not compressed`)
      for (const coding of ['br', 'gzip']) {
        const res = await get(url, { 'accept-encoding': coding })
        t.equal(res.statusCode, 200)
        t.equal(res.headers['content-encoding'], coding, `${url} ${coding}`)
        t.ok(res.rawPayload.length < plain.rawPayload.length, `${url} ${coding} is smaller`)
        t.equal(decode[coding]!(res.rawPayload).toString('utf8'), plain.body, `${url} ${coding} decodes to the same body`)
        t.equal(res.headers['content-type'], plain.headers['content-type'])
      }
    }
  })

  t.test('a HEAD gets the header fields its GET would, coding, tag and length included, and no body', async (t) => {
    const FIELDS = ['content-type', 'content-encoding', 'content-length', 'etag', 'last-modified', 'cache-control', 'vary', 'link']
    const fields = (res: { headers: Record<string, unknown> }) => Object.fromEntries(FIELDS.map((name) => [name, res.headers[name]]))
    for (const url of ['/v1/posts?limit=12', '/v1/posts/slos-for-internal-platforms', '/v1/tags?limit=9', '/feed.xml', '/tags/data/feed.json']) {
      for (const coding of ['br', 'gzip', undefined]) {
        const headers: Record<string, string> = coding ? { 'accept-encoding': coding } : {}
        const what = `${url} ${coding ?? 'uncoded'}`
        // The first HEAD is made by the route; the last is answered from the response cache (a URL read twice is kept).
        const heads = [await app.inject({ method: 'HEAD', url, headers })]
        const got = await get(url, headers)
        await get(url, headers)
        heads.push(await app.inject({ method: 'HEAD', url, headers }))
        t.equal(got.headers['content-encoding'], coding, `${what}: the GET is coded so`)
        t.equal(got.headers['content-length'], String(got.rawPayload.length))
        for (const [i, head] of heads.entries()) {
          t.equal(head.statusCode, 200)
          t.same(fields(head), fields(got), `${what}: HEAD ${i === 0 ? 'made by the route' : 'from the cache'}`)
          t.equal(head.rawPayload.length, 0, `${what}: no body`)
        }
      }
    }
  })

  t.test('br is preferred when both are accepted; q-values are honoured', async (t) => {
    t.equal((await get('/v1/posts', { 'accept-encoding': 'gzip, deflate, br' })).headers['content-encoding'], 'br')
    t.equal((await get('/v1/posts', { 'accept-encoding': 'br;q=0.5, gzip' })).headers['content-encoding'], 'gzip')
    t.notOk((await get('/v1/posts', { 'accept-encoding': 'identity' })).headers['content-encoding'])
  })

  t.test('a coding refused with q=0 is never sent, `*` standing for the others; identity is a coding the client may prefer', async (t) => {
    const cases: [string, string | undefined][] = [
      ['gzip;q=0, *', 'br'],
      ['br;q=0, *', 'gzip'],
      ['br;q=0, gzip;q=0, *', undefined],
      ['*;q=0, gzip', 'gzip'],
      ['identity, gzip;q=0.1', undefined],
      ['identity;q=0.5, gzip', 'gzip'],
      ['x-gzip', 'gzip'],
      ['deflate', undefined],
      ['BR', 'br'],
    ]
    for (const url of ['/v1/posts?limit=11', '/feed.atom']) {
      for (const [acceptEncoding, coding] of cases) {
        // Twice: the first is made by the route, the second answered from the response cache (a URL read twice is kept).
        for (const round of ['made', 'kept']) {
          const res = await get(url, { 'accept-encoding': acceptEncoding })
          t.equal(res.statusCode, 200)
          t.equal(res.headers['content-encoding'], coding, `${url}, ${acceptEncoding}: ${coding ?? 'not coded'} (${round})`)
          if (coding) t.equal(decode[coding]!(res.rawPayload).toString('utf8'), (await get(url)).body)
          t.match(res.headers.vary, /Accept-Encoding/)
        }
      }
    }
  })

  t.test('a small body is not worth compressing', async (t) => {
    const res = await get('/healthz', { 'accept-encoding': 'br' })
    t.notOk(res.headers['content-encoding'])
    t.same(res.json(), { status: 'ok' })
  })

  t.test('each coding has its own strong ETag, and Vary names Accept-Encoding once', async (t) => {
    const url = '/v1/posts?tag=architecture'
    const plain = await get(url)
    const br = await get(url, { 'accept-encoding': 'br' })
    const gzip = await get(url, { 'accept-encoding': 'gzip' })
    const tag = plain.headers.etag as string
    t.match(tag, /^"[\w-]+"$/)
    t.equal(br.headers.etag, tag.replace(/"$/, '.br"'))
    t.equal(gzip.headers.etag, tag.replace(/"$/, '.gzip"'))
    for (const res of [plain, br, gzip]) {
      const vary = String(res.headers.vary).split(',').map((v) => v.trim().toLowerCase())
      t.equal(vary.filter((v) => v === 'accept-encoding').length, 1, `Vary: ${res.headers.vary}`)
      t.ok(vary.includes('authorization'))
    }
  })

  t.test('If-None-Match answers 304 for the tag of the coding the client gets, which the 304 names', async (t) => {
    const url = '/v1/posts/slos-for-internal-platforms'
    const br = await get(url, { 'accept-encoding': 'br' })
    const again = await get(url, { 'accept-encoding': 'br', 'if-none-match': br.headers.etag as string })
    t.equal(again.statusCode, 304)
    t.equal(again.rawPayload.length, 0)
    t.notOk(again.headers['content-encoding'], 'a 304 has no body to encode')
    t.equal(again.headers.etag, br.headers.etag)
    t.match(again.headers.vary, /Accept-Encoding/)
    // A cache refreshing its stored copy takes the 304's fields (RFC 9111 4.3.4): a coding named there would
    // be taken for the body's.
    for (const [what, current] of [['a coded body', url], ['a body too small to code', '/v1/tags?limit=1']] as const) {
      const head = await app.inject({ method: 'HEAD', url: current, headers: { 'accept-encoding': 'br' } })
      const revalidated = await app.inject({ method: 'HEAD', url: current, headers: { 'accept-encoding': 'br', 'if-none-match': head.headers.etag as string } })
      t.equal(revalidated.statusCode, 304, `${what}: HEAD`)
      t.notOk(revalidated.headers['content-encoding'], `${what}: a 304 to a HEAD names no coding either`)
      t.notOk(revalidated.headers['content-length'], `${what}: nor a length`)
      t.equal(revalidated.headers.etag, head.headers.etag)
      t.equal(revalidated.headers.vary, head.headers.vary, `${what}: Vary as the 200's, each field once`)
    }

    // A tag of another coding names another representation (RFC 9110 13.1.2): a shared cache holding only the
    // br copy, asked by a client that takes gzip alone, must not be told by a 304 to serve the br copy.
    const plainTag = (await get(url)).headers.etag as string
    const switched = await get(url, { 'accept-encoding': 'gzip', 'if-none-match': br.headers.etag as string })
    t.equal(switched.statusCode, 200, 'the br copy is not what a gzip client gets')
    t.equal(switched.headers['content-encoding'], 'gzip')
    t.equal(switched.headers.etag, `"${plainTag.slice(1, -1)}.gzip"`)
    t.equal((await get(url, { 'if-none-match': br.headers.etag as string })).statusCode, 200, 'nor what an uncompressed one gets')
    // A shared cache holding several codings sends all their tags: the 304 names the copy this client gets
    // (RFC 9110 15.4.5), which is the copy the cache serves (RFC 9111 4.3.4).
    const bare = plainTag.slice(1, -1)
    const held = `"${bare}.br", "${bare}.gzip", "${bare}"`
    for (const [acceptEncoding, named] of [['gzip', `"${bare}.gzip"`], ['br, gzip', `"${bare}.br"`], ['identity', plainTag]] as const) {
      for (const round of ['made', 'kept']) {
        const res = await get(url, { 'accept-encoding': acceptEncoding, 'if-none-match': held })
        t.equal(res.statusCode, 304, `${acceptEncoding} (${round})`)
        t.equal(res.headers.etag, named, `Accept-Encoding: ${acceptEncoding} (${round}): the tag of the copy it would get`)
      }
    }
    // A body too small to compress is sent uncompressed to every client, under its one tag.
    const small = await get('/v1/tags?limit=1', { 'accept-encoding': 'br' })
    t.notOk(small.headers['content-encoding'])
    const smallAgain = await get('/v1/tags?limit=1', { 'accept-encoding': 'br', 'if-none-match': small.headers.etag as string })
    t.equal(smallAgain.statusCode, 304, 'a small body: its one tag')
    t.equal(smallAgain.headers.etag, small.headers.etag)
    const stale = await get(url, { 'accept-encoding': 'br', 'if-none-match': '"stale.br"' })
    t.equal(stale.statusCode, 200)
    t.equal(stale.headers['content-encoding'], 'br')
  })

  t.test('feeds keep their weak ETag under every coding, and answer 304 with it', async (t) => {
    const plain = await get('/feed.xml')
    const br = await get('/feed.xml', { 'accept-encoding': 'br' })
    t.match(plain.headers.etag, /^W\//)
    t.equal(br.headers.etag, plain.headers.etag)
    const again = await get('/feed.xml', { 'accept-encoding': 'br', 'if-none-match': br.headers.etag as string })
    t.equal(again.statusCode, 304)
    t.equal(again.rawPayload.length, 0)
  })

  t.test('If-Match takes the ETag of a compressed read, and refuses a stale one', async (t) => {
    const headers = await authHeaders(database.db)
    const read = await get('/v1/tags/architecture')
    const etag = read.headers.etag as string
    const url = `/v1/tags/${read.json().data.id}`
    const patch = (ifMatch: string) =>
      app.inject({ method: 'PATCH', url, headers: { ...headers, 'if-match': ifMatch, 'accept-encoding': 'gzip' }, payload: { description: `Edited against ${ifMatch}` } })
    // A tag is small: make its representation big enough to be compressed.
    const grown = await app.inject({ method: 'PATCH', url, headers, payload: { description: 'How we shape systems. '.repeat(40) } })
    t.equal(grown.statusCode, 200)
    const big = await get('/v1/tags/architecture', { 'accept-encoding': 'gzip' })
    t.equal(big.headers['content-encoding'], 'gzip')
    t.match(big.headers.etag, /\.gzip"$/)
    t.equal((await patch(big.headers.etag as string)).statusCode, 200, 'the coded tag of the current version matches')
    t.equal((await patch(big.headers.etag as string)).statusCode, 412, 'and no longer once it changed')
    t.equal((await patch(etag)).statusCode, 412)
  })
})
