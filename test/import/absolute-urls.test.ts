import t from 'tap'
import { absoluteUrls } from '../../src/import/absolute-urls.js'
import { prepareContent } from '../../src/content/prepare.js'
import type { FeedEntry, ImportItem } from '../../src/import/item.js'
import { parseFeed } from '../../src/import/parse-feed.js'
import { itemBase } from '../../src/import/item.js'

const BASE = 'https://old.example.com/2019/05/queues/'
const only = (entries: FeedEntry[]) => (entries.find((e) => e.kind === 'item') as { item: ImportItem }).item

t.test('relative URLs are resolved against the post\'s address at its source', async (t) => {
  const html = absoluteUrls(
    '<p><a href="/about">us</a>, <a href="../archive/">the archive</a>, <a href="notes.html">notes</a></p>' +
      '<img src="img/q.png" srcset="img/q-480.png 480w, /img/q-1080.png 1080w" alt="q">' +
      '<blockquote cite="/quotes/1">q</blockquote><video poster="poster.jpg" src="clip.mp4"></video>',
    BASE,
  )
  t.match(html, 'href="https://old.example.com/about"')
  t.match(html, 'href="https://old.example.com/2019/05/archive/"')
  t.match(html, 'href="https://old.example.com/2019/05/queues/notes.html"')
  t.match(html, 'src="https://old.example.com/2019/05/queues/img/q.png"')
  t.match(html, 'srcset="https://old.example.com/2019/05/queues/img/q-480.png 480w, https://old.example.com/img/q-1080.png 1080w"')
  t.match(html, 'cite="https://old.example.com/quotes/1"')
  t.match(html, 'poster="https://old.example.com/2019/05/queues/poster.jpg"')
  t.match(html, 'alt="q"', 'other attributes stay')
})

t.test('what is already absolute, a link within the post, and text stay as they are', async (t) => {
  const body = '<p><a href="https://elsewhere.example/x?a=1&amp;b=2">x</a> <a href="#part-2">below</a> ' +
    '<a href="mailto:ops@example.com">mail</a> <img src="//cdn.example/p.png" alt=""> 1 &lt; 2 &amp; <code>&lt;b&gt;</code></p>'
  const html = absoluteUrls(body, BASE)
  t.match(html, 'href="https://elsewhere.example/x?a=1&amp;b=2"')
  t.match(html, 'href="#part-2"')
  t.match(html, 'href="mailto:ops@example.com"')
  t.match(html, 'src="//cdn.example/p.png"', 'protocol-relative is absolute enough')
  t.match(html, '1 &lt; 2 &amp; <code>&lt;b&gt;</code>')
  t.equal(html, body, 'with nothing relative, the body comes back byte for byte: a re-run sees it unchanged')
  const absolute = '<p>Read <a href="HTTPS://Example.COM">this</a>&mdash;<br>and <img src="https://x.example/a b.png"></p><!-- kept -->'
  t.equal(absoluteUrls(absolute, BASE), absolute, 'not even re-serialised')
  t.equal(absoluteUrls('<p>No links at all.</p>', BASE), '<p>No links at all.</p>')
  t.equal(absoluteUrls('<a href="/x">x</a>', undefined), '<a href="/x">x</a>', 'no base: nothing to resolve against')
  t.equal(absoluteUrls('<a href="/x">x</a>', 'urn:uuid:7d3c2a4e'), '<a href="/x">x</a>', 'a base that is no web address')
})

t.test('srcset: commas inside URLs, data: candidates and descriptors stay as written', async (t) => {
  const srcset = (value: string) => /srcset="([^"]*)"/.exec(absoluteUrls(`<img srcset="${value}" src="a.png">`, BASE))?.[1]
  t.equal(srcset('https://res.example/upload/w_400,c_fill/x.jpg 400w, small.jpg 200w'),
    'https://res.example/upload/w_400,c_fill/x.jpg 400w, https://old.example.com/2019/05/queues/small.jpg 200w')
  t.equal(srcset('data:image/png;base64,AAAA 1x, big.png 2x'), 'data:image/png;base64,AAAA 1x, https://old.example.com/2019/05/queues/big.png 2x')
  t.equal(srcset('a.png, b.png 2x'), 'https://old.example.com/2019/05/queues/a.png, https://old.example.com/2019/05/queues/b.png 2x',
    'a URL ending in a comma ends its candidate')
  t.equal(srcset('a.png,b.png 2x'), 'https://old.example.com/2019/05/queues/a.png,b.png 2x', 'without a space, one URL (as browsers read it)')
})

t.test('the base: the item\'s link, else the blog\'s address as a folder', async (t) => {
  t.equal(itemBase('https://old.example.com/blog/2019/q/', 'https://old.example.com/blog'), 'https://old.example.com/blog/2019/q/')
  t.equal(itemBase('/blog/2019/q/', 'https://old.example.com/blog'), 'https://old.example.com/blog/2019/q/', 'a relative link, against the blog')
  t.equal(itemBase(undefined, 'https://old.example.com/blog'), 'https://old.example.com/blog/')
  t.equal(absoluteUrls('<img src="img/q.png">', itemBase(undefined, 'https://old.example.com/blog')), '<img src="https://old.example.com/blog/img/q.png" />')
  t.equal(itemBase(undefined, 'urn:uuid:7d3c2a4e'), undefined, 'a blog known by an id only: nothing to resolve against')
})

t.test('the sanitiser still has the last word', async (t) => {
  const html = absoluteUrls('<a href="javascript:alert(1)" onclick="x()">x</a><script>alert(2)</script><img src="/a.png" onerror="y()">', BASE)
  const { html: stored } = prepareContent({ html }, null)
  t.notMatch(stored, /javascript|onclick|onerror|script/)
  t.match(stored, '<img src="https://old.example.com/a.png" />')
})

t.test('each import format resolves its items\' bodies: against the item\'s link, else the blog\'s', async (t) => {
  const rss = parseFeed(`<?xml version="1.0"?><rss version="2.0"><channel><title>Old</title><link>https://old.example.com/</link>
    <item><title>Queues</title><link>${BASE}</link><guid>q</guid><pubDate>Mon, 06 May 2019 10:00:00 GMT</pubDate><author>a@example.com (Ann)</author>
    <description><![CDATA[<p><img src="q.png" alt=""> <a href="/about">about</a></p>]]></description></item></channel></rss>`)
  t.match(only(rss.entries).html, '<img src="https://old.example.com/2019/05/queues/q.png" alt="" /> <a href="https://old.example.com/about">')

  const atom = parseFeed(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Old</title><id>urn:x</id>
    <link rel="alternate" href="https://old.example.com/"/><author><name>Ann</name></author>
    <entry><title>No link of its own</title><id>urn:x:1</id><updated>2019-05-06T10:00:00Z</updated>
    <content type="html">&lt;a href="/about"&gt;about&lt;/a&gt;</content></entry></feed>`)
  t.match(only(atom.entries).html, 'href="https://old.example.com/about"', 'the blog\'s address when the entry has none')

  const wxr = parseFeed(`<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
    xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Old</title>
    <link>https://old.example.com</link><wp:base_blog_url>https://old.example.com</wp:base_blog_url>
    <item><title>Queues</title><link>${BASE}</link><guid isPermaLink="false">https://old.example.com/?p=1</guid><dc:creator>ann</dc:creator>
    <content:encoded><![CDATA[See <a href="/wp-content/uploads/q.pdf">the slides</a>.]]></content:encoded>
    <wp:post_id>1</wp:post_id><wp:post_date_gmt>2019-05-06 10:00:00</wp:post_date_gmt><wp:post_name>queues</wp:post_name>
    <wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item></channel></rss>`)
  t.match(only(wxr.entries).html, 'href="https://old.example.com/wp-content/uploads/q.pdf"')
})
