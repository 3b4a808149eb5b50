import t from 'tap'
import { build } from '../helper.js'
import { authHeaders } from '../support/auth.js'
import { jsonGetter } from '../support/http.js'

// An A–Z list as a reader expects it: case and accents aside. The oracle is ICU's collator (base
// sensitivity), not the database: PGlite and a C-locale PostgreSQL compare bytes, capitals before small
// letters and accented letters after z.
const collator = new Intl.Collator('en', { sensitivity: 'base' })
const alphabetically = (names: string[]) => [...names].sort(collator.compare)

const POST_TITLES = ['Zebra crossings', 'apple pie and APIs', 'Édition numérique', 'SLOs for platforms', 'Sanitise me', 'eBPF in production', 'Écoles']
const NAMES = ['kubernetes', 'Édition', 'Zookeeper', 'alerting', 'Observability and SLOs', 'émile']

t.test('lists sorted by title or name read alphabetically, case and accents aside, by page and by cursor', async (t) => {
  const { app, database } = await build(t)
  const get = jsonGetter(app)
  const headers = await authHeaders(database.db)
  const write = async (url: string, payload: object) => {
    const res = await app.inject({ method: 'POST', url, headers, payload })
    t.equal(res.statusCode, 201, `${url} ${JSON.stringify(payload)}`)
    return res.json().data as { slug: string }
  }
  const authors: string[] = []
  for (const name of NAMES) {
    await write('/v1/tags', { name })
    authors.push((await write('/v1/authors', { name })).slug)
  }
  // Each author with a post out, which the public sees them by.
  for (const [i, title] of POST_TITLES.entries()) {
    await write('/v1/posts', { title, markdown: 'Body.', authors: ['ada-okafor', authors[i % authors.length]], status: 'published' })
  }

  /** Every item of a list, following nextCursor from the first page. */
  const walk = async (url: string) => {
    const seen: unknown[] = []
    let { body } = await get(url)
    seen.push(...body.data)
    for (let hops = 0; body.meta.nextCursor && hops < 100; hops++) {
      const next = await get(`${url}&cursor=${body.meta.nextCursor}`)
      t.equal(next.status, 200)
      body = next.body
      seen.push(...body.data)
    }
    return seen
  }
  const cases = [
    { list: '/v1/posts?sort=title', field: 'title', ours: POST_TITLES },
    // A search sorted by title pages by cursor too (its rows carry the key).
    { list: '/v1/posts?q=body&sort=title', field: 'title', ours: POST_TITLES },
    { list: '/v1/tags?sort=name', field: 'name', ours: NAMES },
    { list: '/v1/tags', field: 'name', ours: NAMES },
    { list: '/v1/authors?sort=name', field: 'name', ours: NAMES },
  ] as const
  for (const { list, field, ours } of cases) {
    const mine = (items: unknown[]) => items.map((item) => (item as Record<string, string>)[field]!).filter((name) => (ours as readonly string[]).includes(name))
    const { status, body } = await get(`${list}${list.includes('?') ? '&' : '?'}limit=100`)
    t.equal(status, 200, list)
    t.same(mine(body.data), alphabetically([...ours]), `${list}: alphabetical`)
    const walked = await walk(`${list}${list.includes('?') ? '&' : '?'}limit=2`)
    t.same(walked, body.data, `${list}: a cursor walk visits the same items in the same order`)
  }
})
