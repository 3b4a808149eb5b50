import t from 'tap'
import { DomUtils, parseDocument } from 'htmlparser2'
import { authors, tags } from '../../src/db/schema.js'
import { sanitizeHtml } from '../../src/content/sanitize.js'
import { build } from '../helper.js'
import { FILES, FORMATS, insertPost, readAsReader, readFeed } from '../support/feeds.js'

// Every C0 control character but NUL (PostgreSQL's text cannot hold it at all), lone surrogates of both
// halves, and the two non-characters XML 1.0 excludes. The pure tests (render.test.ts) cover NUL too.
const CONTROLS = Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join('')
const TITLE = `Tom & Jerry <script>"quotes" 'single'</script> 🚀\u0007`
const HTML =
  `<p>Tom &amp; Jerry ]]> &lt;b&gt;not bold&lt;/b&gt; AT&amp;T; &amp;nbsp; 🚀 [${CONTROLS}] lone \ud800 and \udfff, not \uffff\ufffe</p>` +
  '<pre><code>if (a &lt; b &amp;&amp; c &gt; d) { end = "]]>" }</code></pre>' +
  '<p><a href="/posts/x?a=1&amp;b=2">a link</a> <img src="img/a.png" alt="&quot;]]>&quot;"></p>'
const EXCERPT = `Excerpt with ]]> & <angle> "quotes" \u0001\ud800 🚀`

// The driver encodes text as UTF-8 on the way in, and a lone surrogate has no UTF-8: it is stored as U+FFFD.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
/** What a feed must carry of a string written to the database: what was stored, less what XML 1.0 forbids. */
const allowed = (s: string) => s.replace(LONE_SURROGATE, '\ufffd').replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
// XML parsers turn a carriage return into a newline (XML 1.0 section 2.11) and readers trim element text.
const textOf = (html: string) => DomUtils.textContent(parseDocument(html)).replace(/\r\n?/g, '\n').trim()

t.test('hostile titles, bodies and names never break a feed', async (t) => {
  const { app, database } = await build(t)
  await database.db.insert(tags).values({ slug: 'hostile', name: 'C & C++ <3 ]]> \u0002tags', description: '"Quotes" & <tags> ]]>' })
  await database.db.insert(authors).values({ slug: 'obrien', name: `O'Brien & "Sons" <x> \ud83d` })
  await insertPost(database.db, {
    slug: 'hostile-post',
    title: TITLE,
    html: HTML,
    excerpt: EXCERPT,
    publishedAt: new Date(Date.now() - 1000),
    authors: ['obrien', 'ada-okafor'],
    tags: ['hostile', 'architecture'],
  })

  for (const prefix of ['', '/tags/hostile', '/authors/obrien']) {
    for (const format of FORMATS) {
      const url = `${prefix}/${FILES[format]}`
      t.test(`${url} stays well-formed and carries the text`, async (t) => {
        const res = await app.inject(url)
        t.equal(res.statusCode, 200)
        // readFeed runs a strict XML 1.0 parse first (or JSON.parse), then feedsmith.
        const feed = readFeed(format, res.body)
        const item = feed.items[0]!
        t.equal(item.title, allowed(TITLE), 'title exact, less the disallowed characters')
        t.equal(item.summary, allowed(EXCERPT), 'summary exact')
        t.same(item.authors, [allowed(`O'Brien & "Sons" <x> \ud83d`), 'Ada Okafor'])
        t.same(item.categories, [allowed('C & C++ <3 ]]> \u0002tags'), 'Architecture'])
        t.equal(textOf(item.content), textOf(allowed(HTML)), 'the body text survives, less the disallowed characters')
        t.match(item.content, /&lt;b&gt;not bold&lt;\/b&gt;/, 'escaped markup in the text stays text')
        t.notMatch(item.content, /<b>/)
        t.match(item.content, /href="https:\/\/blog\.example\.com\/posts\/x\?a=1&amp;b=2"/)
        t.match(item.content, /src="https:\/\/blog\.example\.com\/posts\/img\/a\.png"/, 'relative to the post URL')
        t.notMatch(res.body, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\uffff\ufffe]/, 'no disallowed character is sent')
        t.notMatch(res.body, LONE_SURROGATE, 'no lone surrogate is sent')
        if (format !== 'json') {
          const reader = readAsReader(res.body).items[0]!
          t.equal(reader.title, allowed(TITLE), 'a lenient reader reads the same title')
        }
        if (prefix === '/tags/hostile') t.equal(feed.title, allowed('C & C++ <3 ]]> \u0002tags – Fernhill Engineering'))
      })
    }
  }
})

t.test('making links absolute never makes a script link of what a browser reads as a path', async (t) => {
  const { app, database } = await build(t)
  // Html as a post may hold it: each of these is a relative URL to a browser, which keeps a no-break space,
  // a byte order mark, an ideographic space or a noncharacter in the URL. Trimmed as JavaScript trims, or
  // with what XML cannot carry taken out, each would be `javascript:`.
  const html = '<p><a href="\u00a0javascript:alert(1)">nbsp</a> <a href="\ufeffjavascript:alert(2)">bom</a> ' +
    '<a href="java\ufffescript:alert(3)">noncharacter</a> <a href="\u3000javascript:alert(4)">ideographic</a> ' +
    '<img src="java\uffffscript:alert(5)" srcset="java\uffffscript:alert(6) 1x, /ok.png 2x" alt="img"></p>'
  await insertPost(database.db, { slug: 'relative-oddities', title: 'Relative oddities', html, publishedAt: new Date(Date.now() - 1000) })
  // As a browser reads a URL attribute: C0 controls and spaces off both ends, tabs and newlines inside gone.
  const scriptLinks = (content: string) => {
    const found: string[] = []
    for (const el of DomUtils.findAll((e) => true, parseDocument(content).children)) {
      for (const [name, value] of Object.entries(el.attribs)) {
        const urls = name === 'srcset' ? value.split(',').map((c) => c.trim().split(/[\t\n\f\r ]/)[0]!) : [value]
        for (const url of urls) if (/^javascript:/i.test(url.replace(/^[\u0000-\u0020]+/, '').replace(/[\t\n\r]/g, ''))) found.push(`${el.name}[${name}]`)
      }
    }
    return found
  }
  for (const format of FORMATS) {
    const res = await app.inject(`/${FILES[format]}`)
    const item = readFeed(format, res.body).items.find((i) => i.title === 'Relative oddities')!
    t.same(scriptLinks(item.content), [], `${FILES[format]}: no script link`)
    t.match(item.content, /srcset="https:\/\/blog\.example\.com\/ok\.png 2x"/, `${FILES[format]}: a refused candidate goes, the others stay`)
  }
})

t.test('a feed\'s html stays as it is once composed (NFC): a combining mark never joins a tag', async (t) => {
  const { app, database } = await build(t)
  // As the sanitiser stores it: the mark after the tag written as a reference, which a feed's rewriting of
  // the links must keep (a serialiser writes it back as the character).
  const html = sanitizeHtml('<p><a href="/x">&#x338; onmouseover=alert(1) x</a> <img src="/i.png" alt="i">\u0338 onerror=alert(2)</p>')
  await insertPost(database.db, { slug: 'marks', title: 'Marks', html, publishedAt: new Date(Date.now() - 1000) })
  for (const format of FORMATS) {
    const item = readFeed(format, (await app.inject(`/${FILES[format]}`)).body).items.find((i) => i.title === 'Marks')!
    const composed = item.content.normalize('NFC')
    const attributes = DomUtils.findAll(() => true, parseDocument(composed).children).flatMap((el) => Object.keys(el.attribs))
    t.same(attributes.filter((name) => name.startsWith('on')), [], `${FILES[format]}: no handler once composed`)
    t.match(item.content, /<a href="https:\/\/blog\.example\.com\/x">/, `${FILES[format]}: the link was rewritten`)
  }
})
