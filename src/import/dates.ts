// Dates as feeds write them. Date.parse does the arithmetic (zones, offsets, fractions), but V8 also
// accepts nonsense ("hello 1" is 2001-01-01) and rolls "31 Feb" over into March, and it reads a date-time
// without a zone as local time. So each format's shape is checked first and the calendar date after.

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

// RFC 822 / 2822 as RSS uses it: "Tue, 02 Jan 2024 10:00:00 GMT", "2 Jan 24 10:00 +0530", "... EST"; and as
// feeds write it besides the standard: "UTC" for the zone (Go's time.RFC1123, Python's %Z), a one-digit hour.
const RFC822 = /^(?:[a-z]{3},\s*)?(\d{1,2})\s+([a-z]{3})\s+(\d{2}|\d{4})\s+([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?\s+(?:[+-]\d{4}|utc?|gmt|z|[ecmp][sd]t)$/i

// RFC 3339 as Atom uses it: "2024-01-02T10:00:00Z", "2024-01-02T10:00:00.5+02:00".
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[tT ]([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d+)?([zZ]|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/

// WordPress's wp:post_date_gmt: "2024-01-02 10:00:00", in UTC; all zeros for a draft never scheduled.
const WORDPRESS = /^(\d{4})-(\d{2})-(\d{2}) ([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/

function calendarDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day))
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day
}

function checked(text: string, year: number, month: number, day: number): Date | undefined {
  if (!calendarDate(year, month, day)) return undefined
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? undefined : new Date(ms)
}

export function parseRfc822(text: string): Date | undefined {
  const m = RFC822.exec(text.trim())
  if (!m) return undefined
  const month = MONTHS.indexOf(m[2]!.toLowerCase()) + 1
  if (month === 0) return undefined
  const y = Number(m[3])
  // RFC 2822 section 4.3: two-digit years below 50 are 20xx; V8 reads them the same way.
  const year = m[3]!.length === 2 ? (y < 50 ? 2000 + y : 1900 + y) : y
  return checked(text.trim(), year, month, Number(m[1]))
}

export function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339.exec(text.trim())
  if (!m) return undefined
  return checked(text.trim().replace(' ', 'T'), Number(m[1]), Number(m[2]), Number(m[3]))
}

/** RSS dates: RFC 822 by the standard, RFC 3339 in many real feeds (and in dc:date). */
export function parseFeedDate(text: string): Date | undefined {
  return parseRfc822(text) ?? parseRfc3339(text)
}

/** A WordPress GMT date; null for the all-zero date WordPress writes when there is none. */
export function parseWordPressGmt(text: string): Date | null | undefined {
  const t = text.trim()
  if (t === '' || /^0000-00-00[ T]00:00:00$/.test(t)) return null
  const m = WORDPRESS.exec(t)
  if (!m) return undefined
  return checked(`${t.replace(' ', 'T')}Z`, Number(m[1]), Number(m[2]), Number(m[3]))
}
