import t from 'tap'
import { Parser } from 'htmlparser2'
import { eq } from 'drizzle-orm'
import { posts } from '../../src/db/schema.js'
import { sanitizeHtml } from '../../src/content/sanitize.js'
import { build } from '../helper.js'
import { authHeaders } from '../support/auth.js'
import { xssVectors } from '../fixtures/xss-vectors.js'

/** Everything in sanitised html that could run script: what the allowlist must never let through. */
function dangers(html: string): string[] {
  const found: string[] = []
  const parser = new Parser({
    onopentag(name, attributes) {
      if (['script', 'style', 'iframe', 'object', 'embed', 'frame', 'frameset', 'base', 'meta', 'link', 'form', 'svg', 'math', 'template'].includes(name)) found.push(`<${name}>`)
      for (const [attr, value] of Object.entries(attributes)) {
        if (attr.startsWith('on')) found.push(`${name}[${attr}]`)
        if (attr === 'style') found.push(`${name}[style]`)
        const url = value.replace(/[\s\u0000-\u001f]/g, '').toLowerCase()
        if (/^(javascript|vbscript|data):/.test(url)) found.push(`${name}[${attr}=${url.slice(0, 20)}]`)
      }
    },
  }, { decodeEntities: true })
  parser.write(html)
  parser.end()
  return found
}

t.test('the dangers check itself catches what it looks for', async (t) => {
  t.same(dangers('<p onclick="x">a</p><a href=" JaVaScRiPt:alert(1)">b</a><script></script>'), ['p[onclick]', 'a[href=javascript:alert(1)]', '<script>'])
})

t.test(`none of ${xssVectors.length} XSS vectors survives sanitising`, async (t) => {
  t.ok(xssVectors.length >= 30)
  for (const vector of xssVectors) {
    t.same(dangers(sanitizeHtml(`<p>before</p>${vector}<p>after</p>`)), [], vector.slice(0, 60))
  }
})

t.test('what a post needs is kept', async (t) => {
  const html = '<h2 id="x">Head</h2><p><a href="https://e.example/" title="t">link</a> <img src="https://e.example/i.png" alt="i"></p>' +
    '<figure><img src="/a.png" alt="a"><figcaption>Cap</figcaption></figure><table><thead><tr><th>A</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>' +
    '<pre><code class="language-ts">const a = 1</code></pre><ul><li>one</li></ul><ol start="3"><li>three</li></ol><blockquote>q</blockquote>'
  // The serialiser writes void elements as `<img ... />`; otherwise the html is unchanged.
  t.equal(sanitizeHtml(html), html.replace(/(<img [^>]*)>/g, '$1 />').replace('id="x"', 'id="user-content-x"'))
})

t.test('ids and anchor names are the post\'s own, and its links to them follow: none stands in for a global of the page (DOM clobbering)', async (t) => {
  const html = '<h2 id="setup">Setup</h2><p><a href="#setup">See setup</a>, <a name="location" id="config">here</a>, ' +
    '<a href="#">top</a>, <a href="#Top">top</a>, <a href="https://e.example/page#setup">elsewhere</a></p>'
  const clean = sanitizeHtml(html)
  t.equal(clean, '<h2 id="user-content-setup">Setup</h2><p><a href="#user-content-setup">See setup</a>, <a name="user-content-location" id="user-content-config">here</a>, ' +
    '<a href="#">top</a>, <a href="#Top">top</a>, <a href="https://e.example/page#setup">elsewhere</a></p>')
  t.equal(sanitizeHtml(clean), clean, 'sanitised again (html sent back as it was read), nothing is prefixed twice')
})

t.test('void elements are written as such, as the serialiser writes <img />', async (t) => {
  const html = '<picture><source srcset="https://e.example/a.webp" type="image/webp" /><img src="https://e.example/a.png" alt="a" /></picture>' +
    '<table><colgroup><col span="2" /><col /></colgroup><tbody><tr><td>1</td><td>2</td><td>3</td></tr></tbody></table>'
  t.equal(sanitizeHtml(html), html)
  t.equal(sanitizeHtml('<picture><source srcset="https://e.example/a.webp"></source></picture>'), '<picture><source srcset="https://e.example/a.webp" /></picture>', 'not <source></source>')
})

t.test('any element keeps its id, prefixed, so that a link within the post leads to it (a footnote, an anchor)', async (t) => {
  const html = '<p>Claim<sup><a href="#fn1" id="fnref1">[1]</a></sup></p><ol><li id="fn1"><p>Source <a href="#fnref1" aria-label="Back">↩</a></p></li></ol>' +
    '<p id="anchor">para</p><div id="d"><span id="s">x</span></div><a href="#anchor">jump</a>'
  t.equal(sanitizeHtml(html), html.replaceAll('id="', 'id="user-content-').replaceAll('href="#', 'href="#user-content-'))
  t.equal(sanitizeHtml('<p id="x" onclick="x" aria-describedby="x">a</p>'), '<p id="user-content-x">a</p>', 'only the id: no event handler, no other reference')
})

t.test('a passage keeps its direction and language; a direction that is none is dropped', async (t) => {
  const html = '<p dir="rtl" lang="ar">مرحبا</p><p>Say <bdi>إيان</bdi> or <bdo dir="ltr">abc</bdo>, <span lang="he" dir="auto">שלום</span></p>'
  t.equal(sanitizeHtml(html), html)
  t.equal(sanitizeHtml('<p dir="javascript:x" onclick="x">a</p>'), '<p>a</p>')
})

t.test('inputs: the checkbox of a task list stays, every other kind of field goes', async (t) => {
  t.equal(sanitizeHtml('<ul><li><input type="checkbox" checked disabled /> done</li></ul>'), '<ul><li><input type="checkbox" checked disabled /> done</li></ul>')
  for (const field of ['<input type="password" name="p">', '<input>', '<input type="text" value="x">', '<input type="submit">', '<input type="CHECKBOX2">']) {
    t.equal(sanitizeHtml(`<p>before ${field} after</p>`), '<p>before  after</p>', field)
  }
})

t.test('XSS vectors posted through the API never reach the stored html', async (t) => {
  const { app, database } = await build(t)
  const headers = await authHeaders(database.db)
  const html = xssVectors.map((v) => `<p>x</p>${v}`).join('\n')
  const res = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'XSS corpus', html, authors: ['jonas-berg'] } })
  t.equal(res.statusCode, 201)
  const [stored] = await database.db.select().from(posts).where(eq(posts.id, res.json().data.id))
  t.same(dangers(stored!.html), [], 'the stored row is clean')
  t.same(dangers(res.json().data.html), [], 'the response is clean')
  const md = await app.inject({ method: 'POST', url: '/v1/posts', headers, payload: { title: 'XSS in Markdown', markdown: `[x](javascript:alert(1))\n\n${xssVectors.join('\n\n')}`, authors: ['jonas-berg'] } })
  const [storedMd] = await database.db.select().from(posts).where(eq(posts.id, md.json().data.id))
  t.same(dangers(storedMd!.html), [], 'raw html inside Markdown is sanitised too')
})

t.test('a URL a frontend\'s trim() would make a script is dropped, though a browser reads it as a path', async (t) => {
  t.equal(sanitizeHtml('<a href="&#xa0;java&#x9;script:alert(1)">x</a>'), '<a>x</a>', 'a no-break space before, a tab inside')
  t.equal(sanitizeHtml('<a href="&#xa0;docs/setup">x</a>'), '<a href="\u00a0docs/setup">x</a>', 'a path stays as written')
  t.equal(sanitizeHtml('<img src="x.png" srcset="/a.png 1x, &#xa0;javascript:alert(1) 2x" alt="">'), '<img src="x.png" alt="" />', 'a srcset with such a candidate goes whole')
})

t.test('sanitised html stays safe once composed (NFC), as stored text is: a combining mark never follows a tag', async (t) => {
  const html = sanitizeHtml('<a href="https://x.example/">&#x338; onmouseover=alert(1) x</a><p>\u0338<b>\u20d2y</b></p>')
  t.same(dangers(html.normalize('NFC')), [], 'no attribute comes out of the text')
  t.equal(html, '<a href="https://x.example/">&#x338; onmouseover=alert(1) x</a><p>&#x338;<b>&#x20d2;y</b></p>', 'the mark written as a reference')
  t.equal(html.normalize('NFC'), html, 'and the html is composed already')
})

t.test('control characters are dropped (but tabs and line breaks): a bell, a terminal escape, C1', async (t) => {
  t.equal(sanitizeHtml('<p>Bell\u0007 and ESC\u001b[31m red\u0085\u009b</p>\n<pre>a\tb\r\nc</pre>'), '<p>Bell and ESC[31m red</p>\n<pre>a\tb\r\nc</pre>')
})
