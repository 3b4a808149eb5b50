import t from 'tap'
import { build } from '../../helper.js'
import { demo, publicDemoPosts } from '../../support/demo.js'

t.test('GET /v1/site answers the blog, its feed URLs and its counts', async (t) => {
  const { app } = await build(t, { env: { SITE_TITLE: 'Test Blog', API_URL: 'https://api.example.com/' } })
  const res = await app.inject('/v1/site')
  t.equal(res.statusCode, 200)
  t.same(res.json().data, {
    title: 'Test Blog',
    description: res.json().data.description,
    url: 'https://blog.example.com',
    language: 'en',
    feeds: { rss: 'https://api.example.com/feed.xml', atom: 'https://api.example.com/feed.atom', json: 'https://api.example.com/feed.json' },
    counts: { posts: publicDemoPosts().length, tags: demo.tags.length, authors: demo.authors.length },
  })
})
