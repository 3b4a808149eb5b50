import t from 'tap'
import { fillTemplate } from '../../src/lib/urls.js'
import { linkHeader, pageMeta } from '../../src/lib/paging.js'

t.test('fillTemplate fills slug, id and the publication date in UTC', async (t) => {
  const date = new Date('2026-01-31T23:30:00-05:00')
  t.equal(fillTemplate('https://b.example.com/{year}/{month}/{day}/{slug}?id={id}', { slug: 'a-b', id: 'x1', date }), 'https://b.example.com/2026/02/01/a-b?id=x1')
})

t.test('pageMeta counts pages, names the next one, and refuses a page past the last, counted or not', async (t) => {
  t.same(pageMeta({ page: 2, limit: 10 }, 25, 10, true), { page: 2, limit: 10, total: 25, totalPages: 3, nextPage: 3 })
  t.same(pageMeta({ page: 3, limit: 10 }, 25, 5, false), { page: 3, limit: 10, total: 25, totalPages: 3, nextPage: null }, 'the last page: no next')
  t.same(pageMeta({ page: 1, limit: 10 }, 0, 0, false), { page: 1, limit: 10, total: 0, totalPages: 1, nextPage: null }, 'an empty list: one page, empty, as its last link says')
  t.throws(() => pageMeta({ page: 2, limit: 10 }, 0, 0, false), { code: 'QUIRE_PAGE_OUT_OF_RANGE' }, 'and no second')
  t.throws(() => pageMeta({ page: 4, limit: 10 }, 25, 0, false), { name: 'FastifyError', message: 'page 4 is beyond the last page (3)' })
  t.same(pageMeta({ page: 3, limit: 10 }, undefined, 5, true), { page: 3, limit: 10, nextPage: 4 }, 'uncounted: a page with rows after it')
  t.same(pageMeta({ page: 3, limit: 10 }, undefined, 5, false, null), { page: 3, limit: 10, nextPage: null, nextCursor: null }, 'uncounted: the last page, and its cursor')
  t.same(pageMeta({ page: 1, limit: 10 }, undefined, 0, false), { page: 1, limit: 10, nextPage: null }, 'uncounted: an empty first page is an empty list')
  t.throws(() => pageMeta({ page: 4, limit: 10 }, undefined, 0, false), { code: 'QUIRE_PAGE_OUT_OF_RANGE', message: /page 4 is beyond the last page/ }, 'uncounted: an empty page after the first')
})

t.test('linkHeader keeps other parameters and omits prev/next at the ends', async (t) => {
  const link = linkHeader('/v1/posts?tag=data&page=1', { page: 1, limit: 15, total: 0, totalPages: 1, nextPage: null, nextCursor: null })
  t.equal(link, '</v1/posts?tag=data&page=1>; rel="first", </v1/posts?tag=data&page=1>; rel="last"')
})

t.test('linkHeader without a total has no last, and a cursor list links first and next', async (t) => {
  t.equal(linkHeader('/v1/posts?page=2', { page: 2, limit: 15, nextPage: 3, nextCursor: 'abc.def' }),
    '</v1/posts?page=1>; rel="first", </v1/posts?page=1>; rel="prev", </v1/posts?page=3>; rel="next"')
  t.equal(linkHeader('/v1/posts?q=data&page=2', { page: 2, limit: 15, nextPage: null }),
    '</v1/posts?q=data&page=1>; rel="first", </v1/posts?q=data&page=1>; rel="prev"', 'the last page, uncounted: no next')
  t.equal(linkHeader('/v1/posts?limit=5&cursor=x.y', { limit: 5, nextCursor: 'abc.def' }, 'cursor'),
    '</v1/posts?limit=5>; rel="first", </v1/posts?limit=5&cursor=abc.def>; rel="next"')
})
