import t from 'tap'
import { build } from '../../helper.js'
import { publicDemoPosts } from '../../support/demo.js'

const visible = publicDemoPosts()

t.test('GET /v1/archive', async (t) => {
  const { app } = await build(t)
  const res = await app.inject('/v1/archive')
  t.equal(res.statusCode, 200)
  const { data } = res.json() as { data: { year: number; month: number; count: number }[] }

  t.test('lists months newest first whose counts sum to the post total', async (t) => {
    const keys = data.map((m) => m.year * 100 + m.month)
    t.same(keys, [...keys].sort((a, b) => b - a))
    const { meta } = (await app.inject('/v1/posts?limit=1')).json()
    t.equal(data.reduce((sum, m) => sum + m.count, 0), meta.total)
    t.ok(data.length >= 18, 'the demo archive spans at least 18 months')
    const expected = new Map<string, number>()
    for (const p of visible) {
      const key = p.publishedAt!.slice(0, 7)
      expected.set(key, (expected.get(key) ?? 0) + 1)
    }
    t.same(new Map(data.map((m) => [`${m.year}-${String(m.month).padStart(2, '0')}`, m.count])), expected)
  })

  t.test('each month agrees with the date filters on /v1/posts', async (t) => {
    for (const { year, month, count } of data) {
      const from = `${year}-${String(month).padStart(2, '0')}-01`
      const next = month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, '0')}-01`
      const { meta } = (await app.inject(`/v1/posts?publishedAfter=${from}&publishedBefore=${next}&limit=1`)).json()
      t.equal(meta.total, count, from)
    }
  })
})
