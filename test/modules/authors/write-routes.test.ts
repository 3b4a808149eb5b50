import t from 'tap'
import { build } from '../../helper.js'
import { authHeaders } from '../../support/auth.js'

t.test('the author write API', async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)

  t.test('POST creates an author with a job title; PATCH changes it everywhere', async (t) => {
    const res = await app.inject({
      method: 'POST', url: '/v1/authors', headers,
      payload: { name: 'Zoë Fischer', title: 'Staff Engineer', bio: 'Builds things.', websiteUrl: 'https://zoe.example.com' },
    })
    t.equal(res.statusCode, 201)
    t.match(res.json().data, { slug: 'zoe-fischer', name: 'Zoë Fischer', title: 'Staff Engineer', postCount: 0 })
    const { id } = res.json().data
    const post = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'By Zoë', markdown: 'Hi', authors: ['zoe-fischer'], status: 'published' } })
    t.equal(post.statusCode, 201)
    const patched = await app.inject({ method: 'PATCH', url: '/v1/authors/zoe-fischer', headers, payload: { title: 'Principal Engineer' } })
    t.equal(patched.json().data.id, id, 'found by its slug')
    t.equal(patched.json().data.title, 'Principal Engineer')
    t.equal(patched.json().data.postCount, 1)
    const { data } = (await app.inject('/v1/posts/by-zoe')).json()
    t.equal(data.authors[0].title, 'Principal Engineer', 'posts show the new job title')
  })

  t.test('DELETE of an author who still has posts answers 409; without posts 204', async (t) => {
    const { data } = (await app.inject('/v1/authors/zoe-fischer')).json()
    const refused = await app.inject({ method: 'DELETE', url: `/v1/authors/${data.id}`, headers })
    t.equal(refused.statusCode, 409)
    t.match(refused.json(), { type: '/problems/conflict', status: 409 })
    t.equal(refused.json().detail, 'The author zoe-fischer still has 1 post (drafts included): give them another author, or delete them, first', 'saying whose and how many')
    t.equal((await app.inject('/v1/authors/zoe-fischer')).statusCode, 200, 'still there')
    const post = (await app.inject('/v1/posts/by-zoe')).json().data
    await app.inject({ method: 'DELETE', url: `/v1/posts/${post.id}`, headers })
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/authors/${data.id}`, headers })).statusCode, 204)
    t.equal((await app.inject('/v1/authors/zoe-fischer')).statusCode, 404)
  })

  t.test('URLs must be http(s)', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/v1/authors', headers, payload: { name: 'Eve', avatarUrl: 'javascript:alert(1)' } })
    t.equal(res.statusCode, 400)
    t.equal(res.json().errors[0].name, '/avatarUrl')
  })
})
