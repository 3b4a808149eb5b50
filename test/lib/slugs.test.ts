import t from 'tap'
import { slugFrom } from '../../src/lib/slugs.js'

t.test('slugFrom transliterates, and gives names it cannot transliterate slugs of their own', async (t) => {
  t.equal(slugFrom('Ünïcode Straße & Co.', 'post'), 'uenicode-strasse-and-co')
  const yamada = slugFrom('山田太郎', 'author')
  const suzuki = slugFrom('鈴木花子', 'author')
  t.match(yamada, /^author-[0-9a-f]{8}$/)
  t.match(suzuki, /^author-[0-9a-f]{8}$/)
  t.not(yamada, suzuki, 'two names, two slugs')
  t.equal(slugFrom(' 山田太郎 ', 'author'), yamada, 'the same name, the same slug')
  t.match(slugFrom('データベース', ''), /^x-[0-9a-f]{8}$/, 'a slug even without a fallback')
  t.equal(slugFrom('Go 言語', 'post'), 'go', 'what transliterates is kept')
  t.equal(slugFrom('---', 'tag'), 'tag', 'no letters or digits: the fallback')
  t.equal(slugFrom('---', ''), '', 'or nothing')
})
