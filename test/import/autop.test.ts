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

t.test('block-editor html passes through, less its block delimiters', async (t) => {
  const html = '<!-- wp:paragraph -->\n<p>Hi</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:image {"id":7,"sizeSlug":"large"} -->\n<figure><img src="a.png"></figure>\n<!-- /wp:image -->'
  t.equal(autop(html), '<p>Hi</p>\n<figure><img src="a.png"></figure>')
})
