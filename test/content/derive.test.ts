import t from 'tap'
import { excerptOf, readingTimeOf, textOf, wordCountOf } from '../../src/content/derive.js'
import { prepareContent } from '../../src/content/prepare.js'

t.test('textOf decodes entities, separates blocks and leaves code and headings out of prose', async (t) => {
  const { all, prose } = textOf('<h2>Heading</h2><p>Fish &amp; chips</p><pre><code>let x = 1</code></pre><p>End.</p>')
  t.equal(all, 'Heading Fish & chips let x = 1 End.')
  t.equal(prose, 'Fish & chips End.')
})

t.test('footnotes and the references to them are not prose', async (t) => {
  const { all, prose } = textOf('<p>Claim<sup><a href="#user-content-footnote-1">1</a></sup> and E = mc<sup>2</sup>.</p>' +
    '<section class="footnotes"><h2>Footnotes</h2><ol><li><p>The note. <a href="#user-content-footnote-ref-1">↩</a></p></li></ol></section>')
  t.equal(prose, 'Claim and E = mc2.')
  t.equal(all, 'Claim1 and E = mc2. Footnotes The note. ↩', 'though they are text a reader reads')
})

t.test('excerptOf cuts at a whole word near 300 characters', async (t) => {
  const text = 'word '.repeat(100).trim()
  const excerpt = excerptOf(text)
  t.ok(excerpt.length <= 301)
  t.ok(excerpt.endsWith('word…'), 'ends on a whole word with an ellipsis')
  t.equal(excerptOf('Short text.'), 'Short text.')
})

t.test('excerptOf counts characters as the write API does, and never cuts an emoji in half', async (t) => {
  t.equal(excerptOf('🚀'.repeat(300)), '🚀'.repeat(300), '300 emoji are 300 characters: nothing cut')
  const cut = excerptOf('🚀'.repeat(400))
  t.equal(cut, `${'🚀'.repeat(300)}…`, 'cut after 300 whole emoji')
  t.ok(cut.isWellFormed(), 'no half of a surrogate pair')
})

t.test('word count and reading time', async (t) => {
  t.equal(wordCountOf("It's a well-known fact: 42 engineers"), 6)
  // Chinese and Japanese have no spaces between words: each sentence is still many words, not one.
  const japanese = '私たちはルーティングキャッシュを新しい場所に移動しました。'
  t.ok(wordCountOf(japanese) >= 8, `a Japanese sentence: ${wordCountOf(japanese)} words`)
  t.ok(wordCountOf('我们将路由缓存迁移到了新的位置。') >= 6, 'a Chinese one')
  // Some 6,000 characters of Japanese read in ten minutes or so, not two.
  t.ok(readingTimeOf(wordCountOf(japanese.repeat(200))) >= 8, 'reading time follows')
  t.equal(readingTimeOf(0), 1, 'never less than a minute')
  t.equal(readingTimeOf(1150), 5)
})

t.test('prepareContent renders Markdown, sanitises it and derives the excerpt', async (t) => {
  const prepared = prepareContent({ markdown: '# Title\n\nHello <script>alert(1)</script> **world**.\n\n```ts\nconst a = 1\n```\n' })
  t.match(prepared.html, /<strong>world<\/strong>/)
  t.notMatch(prepared.html, /script/)
  t.match(prepared.html, /<code class="language-ts">/)
  t.equal(prepared.excerpt, 'Hello world.')
  t.equal(prepared.markdown, '# Title\n\nHello <script>alert(1)</script> **world**.\n\n```ts\nconst a = 1\n```\n')
  t.equal(prepareContent({ html: '<p>Hi</p>' }, '  Custom  ').excerpt, 'Custom')
})

t.test('Markdown headings have ids as GitHub makes them, and footnotes are linked both ways', async (t) => {
  const prepared = prepareContent({ markdown: '## Set up\n\nSee [above](#set-up). A claim[^source].\n\n## Set up\n\n[^source]: Where it comes from.\n' })
  t.match(prepared.html, /<h2 id="user-content-set-up">Set up<\/h2>/)
  t.match(prepared.html, /<h2 id="user-content-set-up-1">Set up<\/h2>/, 'a second heading alike: its own id')
  t.match(prepared.html, /<a href="#user-content-set-up">above<\/a>/, 'the link leads to the heading')
  const reference = /<sup><a id="([^"]+)" href="#([^"]+)">1<\/a><\/sup>/.exec(prepared.html)
  t.ok(reference, 'the reference is a numbered link')
  t.match(prepared.html, new RegExp(`<li id="${reference![2]}">\\s*<p>Where it comes from\\. <a href="#${reference![1]}"[^>]*>↩</a>`), 'to the note, which links back')
  t.equal(prepared.excerpt, 'See above. A claim.', 'the excerpt reads without them')
  const alike = prepareContent({ markdown: '## Footnote 1\n\n## Footnote label\n\nA claim[^1].\n\n[^1]: The note.\n' }).html
  const ids = [...alike.matchAll(/ id="([^"]+)"/g)].map((m) => m[1])
  t.equal(new Set(ids).size, ids.length, `headings named like footnotes keep ids of their own: ${ids.join(', ')}`)
  t.equal(prepareContent({ markdown: '# Other\n\n# Set up' }).html, '<h1 id="user-content-other">Other</h1>\n<h1 id="user-content-set-up">Set up</h1>\n', 'ids are counted per post')
})
