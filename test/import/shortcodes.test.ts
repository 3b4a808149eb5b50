import t from 'tap'
import { expandShortcodes } from '../../src/import/shortcodes.js'
import { autop } from '../../src/import/autop.js'
import { sanitizeHtml } from '../../src/content/sanitize.js'

t.test("WordPress's core shortcodes become the html they render as; other brackets stay", async (t) => {
  t.equal(
    expandShortcodes('[caption id="attachment_55" align="aligncenter" width="640"]<a href="https://old.example/p99.png"><img src="https://old.example/p99.png" alt="p99" width="640" /></a> p99 latency after the move[/caption]'),
    '<figure><a href="https://old.example/p99.png"><img src="https://old.example/p99.png" alt="p99" width="640" /></a><figcaption>p99 latency after the move</figcaption></figure>',
  )
  t.equal(expandShortcodes('[wp_caption caption="Tom &amp; Jerry"]<img src="/a.png" alt="">[/wp_caption]'), '<figure><img src="/a.png" alt=""><figcaption>Tom &amp; Jerry</figcaption></figure>', 'the caption as an attribute, in an old export')
  t.equal(expandShortcodes('[caption]no image here[/caption]'), 'no image here', 'a caption of no image: its text')
  t.equal(expandShortcodes('[sourcecode language="TypeScript"]\nconst a = b < c && d\n[/sourcecode]'), '<pre><code class="language-typescript">const a = b &lt; c &amp;&amp; d\n</code></pre>')
  t.equal(expandShortcodes('[code]if (a &lt; b) {}[/code]'), '<pre><code>if (a &lt; b) {}</code></pre>', 'code the visual editor escaped is not escaped twice')
  t.equal(expandShortcodes('[embed]https://www.youtube.com/watch?v=abc&amp;t=1[/embed]'), '<a href="https://www.youtube.com/watch?v=abc&amp;t=1">https://www.youtube.com/watch?v=abc&amp;t=1</a>')
  t.equal(expandShortcodes('[audio mp3="https://old.example/talk.mp3"][/audio] and [video src=\'https://old.example/demo.mp4\']'), '<a href="https://old.example/talk.mp3">https://old.example/talk.mp3</a> and <a href="https://old.example/demo.mp4">https://old.example/demo.mp4</a>')
  t.equal(expandShortcodes('Before [gallery ids="1,2,3"] after [playlist ids="4"]'), 'Before  after ')
  for (const text of ['See [1] and [sic].', 'an array [a, b]', '[contact-form-7 id="12"]', '[citation needed]']) {
    t.equal(expandShortcodes(text), text, `left as written: ${text}`)
  }
})

t.test('a captioned image survives paragraphs and sanitising as a figure', async (t) => {
  const html = sanitizeHtml(autop(expandShortcodes('Intro.\n\n[caption id="x"]<img src="https://old.example/a.png" alt="a" /> The graph[/caption]\n\nOutro.')))
  t.match(html, /<p>Intro.<\/p>\s*<figure><img src="https:\/\/old.example\/a.png" alt="a" \/>\s*<figcaption>The graph<\/figcaption>\s*<\/figure>\s*<p>Outro.<\/p>/)
  t.notMatch(html, /\[\/?caption/)
})

// Sized so that a search from every opening to the end of the text (the square of its length) would take
// many minutes, and tap's timeout would end the test: these run in time linear in the text.
t.test('shortcodes never closed are left as written, however many a crafted post holds', async (t) => {
  for (const open of ['[caption]', '[caption ', '[code]', '[gallery ', '[embed]x']) {
    const text = open.repeat(200_000)
    t.equal(expandShortcodes(text), text, open)
  }
  // As the lazy regex would: the first opening takes the nearest closing (of any case), and what it holds is
  // no captioned image, so its text stays.
  t.equal(expandShortcodes(`${'[caption]'.repeat(200_000)}<img src="/a.png" alt=""> A[/CAPTION] after`), `${'[caption]'.repeat(199_999)}<img src="/a.png" alt=""> A after`)
  t.equal(expandShortcodes(`${'[caption '.repeat(200_000)}[caption]<img src="/a.png" alt=""> A[/CAPTION]`), `${'[caption '.repeat(200_000)}<figure><img src="/a.png" alt=""><figcaption>A</figcaption></figure>`)
  const media = '[audio src="https://old.example/a.mp3"]'
  t.equal(expandShortcodes(media.repeat(100_000)), '<a href="https://old.example/a.mp3">https://old.example/a.mp3</a>'.repeat(100_000), 'audio never closed is still a link')
})
