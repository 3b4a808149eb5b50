import t from 'tap'
import { etagList, lastModifiedOnceOver, parseHttpDate } from '../../src/lib/conditional.js'

t.test('parseHttpDate reads the three HTTP-date forms (RFC 9110 5.6.7) and nothing else', async (t) => {
  const at = Date.UTC(1994, 10, 6, 8, 49, 37)
  t.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), at, 'IMF-fixdate')
  t.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), at, 'RFC 850')
  t.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), at, 'asctime')
  t.equal(parseHttpDate(new Date(at).toUTCString()), at, 'what Node writes')
  // RFC 850's two-digit year: more than 50 years ahead is the last such year in the past.
  const year = new Date().getUTCFullYear()
  const ahead = (year + 60) % 100
  t.equal(new Date(parseHttpDate(`Monday, 01-Jan-${String(ahead).padStart(2, '0')} 00:00:00 GMT`)!).getUTCFullYear(), year + 60 - 100)
  for (const value of ['2030', '2030-01-01', '2030-01-01T00:00:00Z', 'hello 1', 'Sun, 06 Nov 1994 08:49:37 UTC', 'Sun, 6 Nov 1994 08:49:37 GMT',
    'Mon, 31 Feb 2026 00:00:00 GMT', 'Sun, 06 Nov 1994 24:00:00 GMT', 'Sun Nov  6 08:49:37 1994 GMT', '']) {
    t.equal(parseHttpDate(value), undefined, JSON.stringify(value))
  }
})

t.test('etagList reads the tags of If-Match and If-None-Match, commas inside quotes included', async (t) => {
  t.same(etagList('"a", W/"b" ,"c.br"'), ['"a"', 'W/"b"', '"c.br"'])
  t.same(etagList('*'), ['*'])
  t.same(etagList('"x,y", "z"'), ['"x,y"', '"z"'], 'a comma is a valid character of an opaque tag')
  t.same(etagList('unquoted, ""'), ['""'], 'what is not a tag is skipped')
})

t.test('lastModifiedOnceOver gives a date only once its second is over', async (t) => {
  const at = new Date(Date.UTC(2026, 10, 27, 12, 0, 0, 400))
  t.equal(lastModifiedOnceOver(at, at.getTime()), undefined, 'not in the very moment')
  t.equal(lastModifiedOnceOver(at, Date.UTC(2026, 10, 27, 12, 0, 0, 999)), undefined, 'nor later in that second')
  t.equal(lastModifiedOnceOver(at, Date.UTC(2026, 10, 27, 12, 0, 1)), 'Fri, 27 Nov 2026 12:00:00 GMT', 'from the next second on')
  t.equal(lastModifiedOnceOver(at, Date.UTC(2027, 0, 1)), 'Fri, 27 Nov 2026 12:00:00 GMT')
})
