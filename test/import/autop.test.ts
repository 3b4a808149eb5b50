import t from 'tap'
import { autop } from '../../src/import/autop.js'

t.test('classic-editor text becomes paragraphs, as WordPress displays it', async (t) => {
  t.equal(autop('One.\n\nTwo,\nstill two.'), '<p>One.</p>\n<p>Two,<br>\nstill two.</p>')
  t.equal(autop('Just a line'), '<p>Just a line</p>')
  t.equal(autop('Intro\n<h2>Heading</h2>\nAfter'), '<p>Intro</p>\n<h2>Heading</h2>\n<p>After</p>', 'block elements stand apart')
  t.equal(autop('<pre>a\n\nb</pre>'), '<pre>a\n\nb</pre>', 'a blank line inside <pre> is kept')
  t.equal(autop('See <img\n  src="x.png"> here'), '<p>See <img\n  src="x.png"> here</p>', 'a newline inside a tag is no line break')
  t.equal(autop('<ul>\n<li>a</li>\n<li>b</li>\n</ul>'), '<ul>\n<li>a</li>\n<li>b</li>\n</ul>')
})

t.test('a newline after a <br> is that break, not a second one', async (t) => {
  t.equal(autop('a<br />\nb'), '<p>a<br />\nb</p>')
  t.equal(autop('a<br>\nb<br/>\nc<BR />\nd<Br>\ne'), '<p>a<br>\nb<br/>\nc<BR />\nd<Br>\ne</p>', 'in every form and case')
  t.equal(autop('a<br> \t\nb'), '<p>a<br> \t\nb</p>', 'spaces between them do not make another')
  t.equal(autop('a<br>b\nc'), '<p>a<br>b<br>\nc</p>', 'a newline after text still is one')
  t.equal(autop('a<bra>\nb'), '<p>a<bra><br>\nb</p>', 'another element is no break')
})

t.test('block-editor html passes through, less its block delimiters', async (t) => {
  const html = '<!-- wp:paragraph -->\n<p>Hi</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:image {"id":7,"sizeSlug":"large"} -->\n<figure><img src="a.png"></figure>\n<!-- /wp:image -->'
  t.equal(autop(html), '<p>Hi</p>\n<figure><img src="a.png"></figure>')
})

// Sized so that a search from every opening to the end of the text (the square of its length) would take
// many minutes, and tap's timeout would end the test: these run in time linear in the text.
t.test('openings never closed are left as written, however many a crafted post holds', async (t) => {
  const unclosedPre = '<pre>'.repeat(400_000)
  t.equal(autop(`${unclosedPre}<pre>kept\n\nwhole</PRE>`), `${unclosedPre}<pre>kept\n\nwhole</PRE>`, 'the one closed is kept whole, as its closing was written')
  const breaks = 'x<br \t'.repeat(300_000)
  t.equal(autop(`${breaks}\ny`), `<p>${breaks}<br>\ny</p>`, 'breaks never closed by > are text')
  const tags = 'a <p '.repeat(300_000)
  t.equal(autop(tags), `<p>${tags.trim()}</p>`, 'tags never closed by > are text')
  const delimiters = '<!-- wp:x '.repeat(200_000)
  t.equal(autop(`<!-- wp:paragraph -->\n<p>Hi</p>\n<!-- /wp:paragraph -->${delimiters}`), `<p>Hi</p>\n${delimiters.trim()}`, 'a delimiter never closed stays')
})
