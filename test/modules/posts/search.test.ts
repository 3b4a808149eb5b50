import t from 'tap'
import { SNIPPET_SOURCE_CHARS, SNIPPET_WINDOW_CHARS } from '../../../src/modules/posts/search.js'
import { build } from '../../helper.js'
import { jsonGetter } from '../../support/http.js'
import { authHeaders } from '../../support/auth.js'

t.test('full-text search on GET /v1/posts?q=', async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)
  const publish = async (title: string, markdown: string, tags: string[] = []) => {
    const res = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title, markdown, authors: ['ada-okafor'], tags, status: 'published' } })
    t.equal(res.statusCode, 201, title)
    return res.json().data
  }
  await publish('A note on the bodyshop', `Somewhere deep in this text we mention zephyrine once. ${'filler words here. '.repeat(40)}`)
  await publish('Zephyrine routing, explained', 'The routing engine is called Zephyrine internally. It plans routes.', ['architecture'])
  await publish('Blue whale sightings', 'We saw a blue whale from the ferry. <b>Bold</b> claims & "quotes".')
  await publish('Whales of many colours', 'The whale was not blue; it was grey. Another whale was blue-ish.')
  const get = jsonGetter(app)
  const search = (q: string, extra = '') => get(`/v1/posts?q=${encodeURIComponent(q)}${extra}`)
  const slugs = (body: { data: { slug: string }[] }) => body.data.map((p) => p.slug)

  t.test('a title match outranks a body mention', async (t) => {
    const { res, body } = await search('zephyrine')
    t.equal(res.statusCode, 200)
    t.same(slugs(body), ['zephyrine-routing-explained', 'a-note-on-the-bodyshop'])
    t.equal(body.meta.total, 2)
  })

  t.test('the last word matches as a prefix (type-ahead)', async (t) => {
    t.same(slugs((await search('zephyr')).body), ['zephyrine-routing-explained', 'a-note-on-the-bodyshop'])
    t.same(slugs((await search('routing zeph')).body), ['zephyrine-routing-explained'])
    for (const typed of ['s', 'si', 'sig', 'sightings']) t.same(slugs((await search(`ferry ${typed}`)).body), ['blue-whale-sightings'], typed)
    // Typed a letter at a time, a word may pass through a stop word ("in"), which English search drops: typed
    // alone, it is the start of a longer word, matched as typed.
    for (const typed of ['in', 'int', 'internally']) t.ok(slugs((await search(typed)).body).includes('zephyrine-routing-explained'), typed)
    // After other words, a stop word is left out, as it is in any English search ("state of the").
    t.same(slugs((await search('zephyrine the')).body), slugs((await search('zephyrine')).body), 'zephyrine the')
  })

  t.test('the last word is a prefix however it is written: hyphenated, with an apostrophe, with punctuation around it', async (t) => {
    await publish('Hyper-zorbing deploys', "The zorblat at Quoxx'ville could not stop, so it moved live.")
    const found = async (q: string) => slugs((await search(q)).body)
    for (const q of ['hyper-zorbing', 'hyper-z', 'Hyper-Zorbing', 'zorblat hyper-zorbing', 'hyper-zorbing zorbl', "quoxx'ville", 'Quoxx’vil', "zorblat quoxx'ville"]) {
      t.same(await found(q), ['hyper-zorbing-deploys'], q)
    }
    for (const q of ['zephyr!', '(zephyr)', 'zephyr,', '¿zephyr?', 'zephyr or']) t.same(await found(q), await found('zephyr'), q)
    t.same(new Set(await found('ferry or zephyr')), new Set(await found('ferry or zephyrine')), 'an alternative, the last word a prefix')
    t.same(await found('whale -ferry!'), ['whales-of-many-colours'], 'an exclusion is not a prefix')
  })

  t.test('text typed with accents apart from their letters is found as typed either way (NFC)', async (t) => {
    await publish('Re\u0301sume\u0301 tips', 'Your re\u0301sume\u0301 matters.')
    for (const q of ['r\u00e9sum\u00e9 matters', 'Re\u0301sume\u0301 matters']) {
      const { body } = await search(q)
      t.same(slugs(body), ['resume-tips'], JSON.stringify(q))
      t.match(body.data[0].snippet, /<mark>r\u00e9sum\u00e9<\/mark> <mark>matters<\/mark>/, `${JSON.stringify(q)}: both words marked`)
    }
  })

  t.test('quoted phrases, or, and -exclusions', async (t) => {
    t.same(slugs((await search('"blue whale"')).body), ['blue-whale-sightings'])
    t.same(slugs((await search('whale -ferry')).body), ['whales-of-many-colours'])
    t.same(new Set(slugs((await search('ferry or zephyrine')).body)), new Set(['blue-whale-sightings', 'zephyrine-routing-explained', 'a-note-on-the-bodyshop']))
  })

  t.test('tag names are searched', async (t) => {
    const { body } = await search('architecture zephyrine')
    t.same(slugs(body), ['zephyrine-routing-explained'])
  })

  t.test('each hit carries a snippet with <mark> and nothing else of the html', async (t) => {
    const { body } = await search('whale')
    t.ok(body.data.length >= 2)
    for (const hit of body.data) {
      t.match(hit.snippet, /<mark>[Ww]hale<\/mark>/)
      t.notMatch(hit.snippet.replace(/<\/?mark>/g, ''), /[<>]/, 'no other tag in the snippet')
    }
    const sightings = body.data.find((p: { slug: string }) => p.slug === 'blue-whale-sightings')
    t.match(sightings.snippet, /&amp;/, 'text is escaped')
    t.notOk('snippet' in (await app.inject('/v1/posts?limit=1')).json().data[0], 'no snippet without a search')
  })

  t.test('a snippet shows the match wherever it is in a long body', async (t) => {
    const padding = 'Padding sentence for length. '.repeat(Math.ceil(SNIPPET_SOURCE_CHARS / 29) + 10)
    await publish('A very long field report', `We met a wombat at the start.\n\n${padding}\n\nAt the very end, a numbat.`)
    const early = (await search('wombat')).body.data[0]
    t.equal(early.slug, 'a-very-long-field-report')
    t.match(early.snippet, /<mark>wombat<\/mark>/)
    const late = (await search('numbat')).body
    t.same(slugs(late), ['a-very-long-field-report'])
    t.match(late.data[0].snippet, /a <mark>numbat<\/mark>/, 'a word past SNIPPET_SOURCE_CHARS is highlighted too')
    t.notMatch(late.data[0].snippet, /wombat/, 'from a window around it')
  })

  t.test('a snippet highlights a word of the query even far from the others', async (t) => {
    // Past SNIPPET_SOURCE_CHARS, and further apart than a window: only a window around the first one can show it.
    const padding = 'Padding sentence for length. '.repeat(Math.ceil(SNIPPET_SOURCE_CHARS / 29) + 10)
    const filler = 'Nothing to see in this sentence. '.repeat(Math.ceil(SNIPPET_WINDOW_CHARS / 33) + 5)
    await publish('Far apart', `${padding} The ocelot came first. ${filler} The capybara came last.`)
    const { body } = await search('capybara ocelot')
    t.same(slugs(body), ['far-apart'])
    t.match(body.data[0].snippet, /The <mark>ocelot<\/mark> came first/)
  })

  t.test('a word that only begins like the query\'s does not hide a later match', async (t) => {
    // "ponder" begins like "pony" (stem "poni", sought as "pon"), so the window first placed around it holds no
    // match: the snippet is drawn from the body's first SNIPPET_SOURCE_CHARS instead, which hold "pony".
    const filler = 'Nothing to see in this sentence. '.repeat(Math.ceil(SNIPPET_WINDOW_CHARS / 33) + 5)
    await publish('Of marks and signs', `We ponder tracks. ${filler} The pony left hoofprints in the mud.`)
    const { body } = await search('pony')
    t.same(slugs(body), ['of-marks-and-signs'])
    t.match(body.data[0].snippet, /The <mark>pony<\/mark> left/)
  })

  t.test('without the word in the body, a snippet shows the opening words', async (t) => {
    await publish('The quokka census', 'Counting small marsupials on an island takes a week of patient walking.')
    const { body } = await search('quokka')
    t.same(slugs(body), ['the-quokka-census'])
    t.match(body.data[0].snippet, /^Counting small marsupials on an island/)
    t.notMatch(body.data[0].snippet, /<mark>/)
  })

  t.test('text in angle brackets (code) is in the snippet, escaped, and its words highlighted', async (t) => {
    // ts_headline reads `<...>` as an HTML tag and leaves it out: the brackets go in as stand-ins.
    await publish('Typed results', 'The `fetchAll` function returns `Promise<Quuxresult>` and a `Map<K, V>` in code.')
    const { body } = await search('quuxresult')
    t.same(slugs(body), ['typed-results'])
    const { snippet } = body.data[0]
    t.match(snippet, 'Promise&lt;<mark>Quuxresult</mark>&gt;', 'the match inside brackets is shown and marked')
    t.match(snippet, 'Map&lt;K, V&gt;')
    t.notMatch(snippet.replace(/<\/?mark>/g, ''), /[<>\uE000-\uE003]/, 'no tag and no stand-in is left')
  })

  t.test('words with regex syntax are highlighted as written', async (t) => {
    // Unescaped, "[" would make the regular expression invalid (a 500), and "." would match any character.
    await publish('Runtime notes', `We moved to wombat.io/~a[b in 2019. ${'Nothing to see in this sentence. '.repeat(10)} Then wombat.io again.`)
    const { res, body } = await search('wombat.io/~a[b')
    t.equal(res.statusCode, 200)
    t.same(slugs(body), ['runtime-notes'])
    t.match(body.data[0].snippet, /moved to <mark>wombat\.io/)
  })

  t.test('stems that are not the beginning of their words still find them', async (t) => {
    // "scalabl" (of "scalability") is sought as "scalab"; "die" (of "dying") begins no word of this body, but
    // the body's words include it, so the snippet comes from its opening instead of its first words unmarked.
    const snippetOf = async (q: string, slug: string) =>
      (await search(q, '&limit=100')).body.data.find((p: { slug: string }) => p.slug === slug)?.snippet
    await publish('Growing pains', `${'Intro words here. '.repeat(30)}We care about scalability.`)
    t.match(await snippetOf('scalability', 'growing-pains'), /<mark>scalability<\/mark>/)
    await publish('A wilting fern', `${'Intro words here. '.repeat(30)}The fern was dying slowly.`)
    t.match(await snippetOf('die', 'a-wilting-fern'), /<mark>dying<\/mark>/)
  })

  t.test('an excluded phrase is not what a snippet shows', async (t) => {
    const filler = 'Nothing to see in this sentence. '.repeat(Math.ceil(SNIPPET_WINDOW_CHARS / 33) + 5)
    // "dog" and "food" here, but not as the phrase: the post is found, and the snippet is not placed at them.
    await publish('Feeding the animals', `Then a dog ate its food. ${filler} The lemurs were fed last.`)
    await publish('Feeding the dogs', 'Only dog food here, for the lemurs.')
    const { body } = await search('lemurs -"dog food"')
    t.same(slugs(body), ['feeding-the-animals'])
    t.match(body.data[0].snippet, /<mark>lemurs<\/mark> were fed/)
    t.notMatch(body.data[0].snippet, /<mark>dog<\/mark>/)
  })

  t.test('a window over text without spaces keeps its match', async (t) => {
    // Past SNIPPET_SOURCE_CHARS, so only the window can show it; the window starts inside a run of kana.
    const padding = 'Intro words here. '.repeat(Math.ceil(SNIPPET_SOURCE_CHARS / 18) + 10)
    await publish('Cats of Tokyo', `${padding}${'あ'.repeat(300)}、猫、${'い'.repeat(50)} and some English words here.`)
    const { body } = await search('猫')
    t.same(slugs(body), ['cats-of-tokyo'])
    t.match(body.data[0].snippet, /<mark>猫<\/mark>/)
  })

  t.test('combines with filters, sort and paging', async (t) => {
    const all = (await search('postgresql', '&limit=100')).body
    t.ok(all.meta.total > 3)
    const tagged = (await search('postgresql', '&tag=reliability&limit=100')).body
    t.ok(tagged.meta.total > 0 && tagged.meta.total < all.meta.total)
    for (const p of tagged.data) t.ok(p.tags.some((x: { slug: string }) => x.slug === 'reliability'))
    const pages = [...(await search('postgresql', '&limit=2&page=1')).body.data, ...(await search('postgresql', '&limit=2&page=2')).body.data]
    t.same(pages.map((p) => p.slug), all.data.slice(0, 4).map((p: { slug: string }) => p.slug), 'pages follow the ranked order')
    const oldest = (await search('postgresql', '&sort=publishedAt&limit=100')).body.data.map((p: { publishedAt: string }) => p.publishedAt)
    t.same(oldest, [...oldest].sort(), 'an explicit sort wins over relevance')
  })

  t.test('a ranked search names its next page, counted or not, and offers no cursor it cannot follow', async (t) => {
    const { total } = (await search('postgresql', '&limit=100')).body.meta
    const lastPage = Math.ceil(total / 2)
    for (const extra of ['', '&count=false']) {
      const first = await search('postgresql', `&limit=2${extra}`)
      t.match(first.body.meta, { page: 1, nextPage: 2 }, `page 1${extra}`)
      t.notOk('nextCursor' in first.body.meta, `no nextCursor: relevance has no keyset${extra}`)
      t.match(first.res.headers.link, /page=2>; rel="next"/)
      const last = await search('postgresql', `&limit=2&page=${lastPage}${extra}`)
      t.equal(last.body.meta.nextPage, null, `the last page says so${extra}`)
      t.notMatch(last.res.headers.link, /rel="next"/)
    }
    const sorted = (await search('postgresql', '&limit=2&sort=-publishedAt')).body.meta
    t.match(sorted, { nextPage: 2, nextCursor: String }, 'with a sort, both')
  })

  t.test('drafts are never found', async (t) => {
    await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'Secret zephyrine draft', markdown: 'x', authors: ['ada-okafor'] } })
    t.notOk(slugs((await search('zephyrine')).body).includes('secret-zephyrine-draft'))
  })

  t.test('hostile or empty queries answer 200 or 400, never 500', async (t) => {
    for (const q of ["'", '&|!():*', '"unbalanced', '-', 'or', 'the and of', '🚀', "O'Reilly", 'a:* | b', '\\', '<script>', 'ünïcödé']) {
      const { res } = await search(q)
      t.equal(res.statusCode, 200, JSON.stringify(q))
    }
    t.same((await search('"the and of"')).body.data, [], 'only stop words finds nothing')
    t.ok((await search('the and of')).body.data.length > 0, 'but the last word, with nothing else searched for, is a prefix: the start of a word ("often")')
    t.equal((await search('x'.repeat(5000))).res.statusCode, 400, '5,000 characters')
    t.equal((await app.inject('/v1/posts?q=')).statusCode, 400, 'an empty q')
    for (const blank of ['%20', '%20%20%09', '%0A']) {
      const res = await app.inject(`/v1/posts?q=${blank}`)
      t.equal(res.statusCode, 400, `a blank q (${blank}) is no search either, not every post`)
      t.match(res.json().errors, [{ in: 'query', name: '/q' }])
    }
  })
})

t.test('GET /v1/posts/:idOrSlug/related', async (t) => {
  const { app } = await build(t)

  t.test('answers the posts sharing the most tags, never the post itself or a draft', async (t) => {
    const { data: post } = (await app.inject('/v1/posts/choosing-boring-technology-on-purpose')).json()
    const res = await app.inject('/v1/posts/choosing-boring-technology-on-purpose/related?limit=5')
    t.equal(res.statusCode, 200)
    const related = res.json().data
    t.equal(related.length, 5)
    const mine = new Set(post.tags.map((x: { slug: string }) => x.slug))
    const shared = related.map((p: { tags: { slug: string }[] }) => p.tags.filter((x) => mine.has(x.slug)).length)
    t.same(shared, [...shared].sort((a, b) => b - a), 'most shared tags first')
    t.equal(shared[0], 2, 'the best match shares both tags')
    t.notOk(related.some((p: { slug: string }) => p.slug === post.slug || p.slug === 'notes-on-multi-region-writes'))
    t.notOk('html' in related[0])
  })

  t.test('defaults to three, tops up with the newest, and validates', async (t) => {
    t.equal((await app.inject('/v1/posts/local-development-in-one-command/related')).json().data.length, 3)
    t.equal((await app.inject('/v1/posts/local-development-in-one-command/related?limit=20')).json().data.length, 20)
    t.equal((await app.inject('/v1/posts/local-development-in-one-command/related?limit=0')).statusCode, 400)
    t.equal((await app.inject('/v1/posts/notes-on-multi-region-writes/related')).statusCode, 404, 'a draft has no public related posts')
  })
})
