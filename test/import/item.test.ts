import { createHash } from 'node:crypto'
import t from 'tap'
import { contentHash, finishItem } from '../../src/import/item.js'

const draft = (alt: string) => ({
  html: '<p>Body.</p>', excerpt: null, slug: null, status: 'published' as const, publishedAt: new Date('2024-01-02T10:00:00Z'), updatedAt: null,
  featured: false, sourceId: 'alt-1', title: 'Alt', authors: ['Ada'], tags: [], baseUrl: 'https://old.example.org/alt/',
  featureImage: { url: 'cover.png', alt },
})

t.test("a feature image's alt text is fitted as the API counts (code points), at a word, and said", async (t) => {
  const fits = `${'a'.repeat(499)}😀`
  const kept = finishItem(draft(fits), [])
  t.same(kept.item.featureImage, { url: 'https://old.example.org/alt/cover.png', alt: fits }, '500 characters, an emoji the last: within the 500 the API takes, whole')
  t.same(kept.clipped, [])
  const long = `${'word '.repeat(120)}end`
  const clipped = finishItem(draft(long), [])
  const alt = clipped.item.featureImage!.alt!
  t.ok(Array.from(alt).length <= 500 && alt.endsWith('…') && alt.isWellFormed(), 'within 500, cut at a word, no half character')
  t.same(clipped.clipped, [`its image alt text (${long.length} characters) was clipped to 500`])
})

t.test("an item's text is taken composed (NFC); its id, its image's address and its dates as they are", async (t) => {
  const decomposed = 'Re\u0301sume\u0301'
  const given = draft('Cafe\u0301')
  const { item } = finishItem({
    ...given, title: `${decomposed} tips`, html: `<p>${decomposed}</p>`, authors: ['Jose\u0301'], tags: [{ name: decomposed }],
    sourceId: `guid-${decomposed}`, featureImage: { url: `${decomposed}.png`, alt: 'Cafe\u0301' },
  }, [])
  t.equal(item.title, 'Résumé tips')
  t.equal(item.html, '<p>Résumé</p>')
  t.same(item.authors, ['José'])
  t.equal(item.tags[0]!.name, 'Résumé')
  t.equal(item.featureImage!.alt, 'Café')
  t.equal(item.sourceId, `guid-${decomposed}`, 'the id a later run recognises it by, byte for byte')
  t.equal(item.featureImage!.url, 'https://old.example.org/alt/Re%CC%81sume%CC%81.png', 'an address names the bytes it was given')
  t.same(item.publishedAt, new Date('2024-01-02T10:00:00Z'))
})

t.test('a body whose links are rewritten keeps a combining mark after a tag as text: composed before, it joins no tag', async (t) => {
  const { item } = finishItem({ ...draft('Cover'), html: '<p><a href="/x">link</a>&#x338; after <b>&#x338; onmouseover=alert(5) z</b></p>' }, [])
  t.match(item.html, /href="https:\/\/old\.example\.org\/x"/, 'the link was made absolute')
  t.match(item.html, /onmouseover=alert\(5\) z<\/b>/, 'the text after the mark is text still')
  t.notMatch(item.html, /<b[^>]*onmouseover/, 'not an attribute of the tag')
})

t.test('an item hashes as it did when every tag carried a slug, given or made from its name: a re-run leaves items imported before as they are', async (t) => {
  const { item } = finishItem({ ...draft('Cover'), tags: [{ name: 'PostgreSQL' }, { name: 'Databases', slug: 'dbs' }] }, [])
  t.same(item.tags, [{ name: 'PostgreSQL' }, { name: 'Databases', slug: 'dbs' }], 'a slug only where the source gives one')
  // The hash of such an item as it was stored before: its tags each `{ name, slug }`.
  const before = createHash('sha256').update(JSON.stringify({ ...item, tags: [{ name: 'PostgreSQL', slug: 'postgresql' }, { name: 'Databases', slug: 'dbs' }] })).digest('base64url')
  t.equal(contentHash(item), before)
})

t.test('an item without a publication date (RSS 2.0 makes pubDate optional) is kept as a draft, and said', async (t) => {
  const { item, clipped } = finishItem({ ...draft('Cover'), publishedAt: null }, [])
  t.equal(item.status, 'draft')
  t.equal(item.publishedAt, null)
  t.same(clipped, ['it has no publication date: imported as a draft, to be dated and published in Quire'])
  t.equal(finishItem(draft('Cover'), []).item.status, 'published', 'one with a date is published')
})

t.test('a tag name given twice, with two slugs (a WordPress category and tag), is one tag', async (t) => {
  const { item } = finishItem({ ...draft('Cover'), tags: [{ name: 'DevOps', slug: 'devops' }, { name: 'devops', slug: 'dev-ops' }, { name: 'Ops', slug: 'devops' }] }, [])
  t.same(item.tags, [{ name: 'DevOps', slug: 'devops' }])
})
