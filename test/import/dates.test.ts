import t from 'tap'
import { parseFeedDate, parseRfc3339, parseRfc822, parseWordPressGmt } from '../../src/import/dates.js'

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : d)

t.test('RFC 822 dates as RSS writes them', async (t) => {
  t.equal(iso(parseRfc822('Tue, 02 Jan 2024 10:00:00 GMT')), '2024-01-02T10:00:00.000Z')
  t.equal(iso(parseRfc822('2 Jan 2024 10:00 +0530')), '2024-01-02T04:30:00.000Z', 'no weekday, no seconds, an offset')
  t.equal(iso(parseRfc822('Tue, 02 Jan 2024 10:00:00 PDT')), '2024-01-02T17:00:00.000Z', 'a US zone name')
  t.equal(iso(parseRfc822('Sat, 02 Jan 99 10:00:00 UT')), '1999-01-02T10:00:00.000Z', 'a two-digit year')
  t.equal(iso(parseRfc822('tue, 02 jan 2024 10:00:00 gmt')), '2024-01-02T10:00:00.000Z', 'any case')
  t.equal(iso(parseRfc822('Thu, 07 Mar 2024 16:05:00 UTC')), '2024-03-07T16:05:00.000Z', 'UTC, as Go and Python write it')
  t.equal(iso(parseRfc822('Fri, 8 Mar 2024 9:05:00 +0000')), '2024-03-08T09:05:00.000Z', 'a one-digit hour')
  for (const bad of ['Tue, 31 Feb 2024 10:00:00 GMT', 'Tue, 02 Jan 2024 25:00:00 GMT', 'Tue, 02 Jan 2024 10:00:00 UTX', 'Tue, 02 Jan 2024 123:00:00 GMT', 'Tue, 02 Foo 2024 10:00:00 GMT', 'Tue, 02 Jan 2024 10:00:00', 'hello 1', '']) {
    t.equal(parseRfc822(bad), undefined, `rejects ${JSON.stringify(bad)}`)
  }
})

t.test('RFC 3339 dates as Atom writes them', async (t) => {
  t.equal(iso(parseRfc3339('2024-01-02T10:00:00Z')), '2024-01-02T10:00:00.000Z')
  t.equal(iso(parseRfc3339('2024-01-02T10:00:00.25-02:00')), '2024-01-02T12:00:00.250Z')
  for (const bad of ['2024-02-30T10:00:00Z', '2024-01-02T10:00:00', '2024-01-02', 'last Tuesday']) {
    t.equal(parseRfc3339(bad), undefined, `rejects ${JSON.stringify(bad)}: impossible, without a zone, or not a date-time`)
  }
  t.equal(iso(parseFeedDate('2024-01-02T10:00:00+01:00')), '2024-01-02T09:00:00.000Z', 'RSS dates may be RFC 3339 too')
})

t.test('WordPress GMT dates are UTC whatever the local zone; all zeros mean none', async (t) => {
  t.equal(iso(parseWordPressGmt('2024-03-04 09:15:00')), '2024-03-04T09:15:00.000Z')
  t.equal(parseWordPressGmt('0000-00-00 00:00:00'), null)
  t.equal(parseWordPressGmt(''), null)
  t.equal(parseWordPressGmt('2024-13-45 10:00:00'), undefined)
  t.equal(parseWordPressGmt('2024-03-04T09:15:00Z'), undefined)
})
