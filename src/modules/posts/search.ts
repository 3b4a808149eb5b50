import { sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import { posts } from '../../db/schema.js'
import { GREATER_THAN, LESS_THAN, MATCH_END, MATCH_START } from '../../content/snippet.js'

/** A word as English search reads one: letters and digits, with single hyphens or apostrophes inside ("zero-downtime", "couldn't"). */
const WORD = /^[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*$/u

/**
 * The tsquery for what a reader typed, with `websearch_to_tsquery` semantics ("quoted phrases", `or`,
 * `-exclusions`) and the last plain word matched as a prefix, so type-ahead finds "architecture" from
 * "archit":
 * - Punctuation around that word is not part of it ("postgres!", "(postgres"), and a trailing `or`, an
 *   alternative yet to be typed, leaves the word before it last.
 * - A hyphenated word is matched as PostgreSQL's parser reads it, its parts in a row ("zero-d" finds
 *   "zero-downtime"); apostrophes part words, as the parser's do ("couldn't" is "couldn t").
 * - Only letters, digits and single hyphens reach `to_tsquery`, where none of them is syntax.
 * - A prefix that is an English stop word is matched as typed when nothing else is searched for.
 */
export function searchQuery(q: string): SQL {
  const whole = sql`websearch_to_tsquery('english', ${q})`
  let words = q.trim().split(/\s+/)
  if (words.length > 1 && /^or$/i.test(words.at(-1)!)) words = words.slice(0, -1)
  // The last word without what surrounds it, but for what websearch reads: a leading `-` (an exclusion) and quotes.
  const last = (words.at(-1) ?? '').replace(/^[^\p{L}\p{N}"-]+/u, '').replace(/[^\p{L}\p{N}"]+$/u, '')
  const quotesBalanced = (q.match(/"/g)?.length ?? 0) % 2 === 0
  if (!WORD.test(last) || /^or$/i.test(last) || !quotesBalanced) return whole
  words = [...words.slice(0, -1), ...last.split(/['’]/)]
  const prefix = words.at(-1)!
  const rest = words.slice(0, -1)
  const alternative = rest.length > 0 && /^or$/i.test(rest.at(-1)!)
  const restQuery = sql`websearch_to_tsquery('english', ${(alternative ? rest.slice(0, -1) : rest).join(' ')})`
  // A stop word ("in", "for") is no query to English search. After other words ("state of the") it is left
  // out, as it always was; typed alone, it is the start of a longer word ("in" of "incident"), matched as
  // typed against the vectors' lexemes. An expression rather than a subquery, which the planner could not
  // estimate (it evaluates these functions to estimate how many posts match).
  const typed = `${prefix}:*`
  const english = sql`to_tsquery('english', ${typed})`
  const prefixQuery = sql`(case when numnode(${english}) = 0 and numnode(${restQuery}) = 0 then to_tsquery('simple', ${typed}) else ${english} end)`
  return alternative ? sql`(${restQuery} || ${prefixQuery})` : sql`(${restQuery} && ${prefixQuery})`
}

export function matches(query: SQL): SQL {
  return sql`${posts.searchVector} @@ ${query}`
}

/**
 * Relevance: title hits weigh most (A), then excerpt and tags (B); longer documents are not favoured. The
 * body is left out: its vector is kilobytes out of line, and reading it for each of a search's candidates
 * cost more than finding them. Posts matching in the body alone rank equal, newest first. `rankVector` is
 * posts.rank_vector, or an expression reading it.
 */
export function rank(rankVector: SQLWrapper, query: SQL): SQL<number> {
  return sql<number>`ts_rank(${rankVector}, ${query}, 1)`
}

/**
 * A snippet is drawn from a window of the body around the first word that begins like a word of the query:
 * ts_headline parses all the text it is given (about half a millisecond per 5 kB), and finding that word is a
 * regular expression's scan, some thirty times cheaper. The window starts SNIPPET_LEAD_CHARS before the word
 * (more than a fragment reaches back) and is SNIPPET_WINDOW_CHARS long. The word is looked for in the body's
 * first SNIPPET_SCAN_CHARS: a long post whole, while the longest body allowed would cost the scan milliseconds.
 */
export const SNIPPET_WINDOW_CHARS = 700
export const SNIPPET_LEAD_CHARS = 200
export const SNIPPET_SCAN_CHARS = 100_000
/** Without such a word, the opening words are shown (ts_headline's first MinWords): the window is the body's start, and shorter. */
export const SNIPPET_OPENING_CHARS = 400
/**
 * The snippet is drawn from the body's first SNIPPET_SOURCE_CHARS instead (and shows its opening words if the
 * match is past them) when a window would miss the match: when the word found only begins like the query's
 * ("database" for "data"), and when the body's words include the query's but none begins like them (a stem
 * is not always the beginning of its words: "die" of "dying").
 */
export const SNIPPET_SOURCE_CHARS = 10_000

const HEADLINE_OPTIONS = sql.raw(
  `'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) || ', MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'`)

/**
 * The words a query looks for (not those it excludes, alone or as a phrase), read off the tsquery's text
 * (`'data' & !'ferri' & !( 'dog' <-> 'food' ) & 'pipelin':*`), as scalar subqueries that PostgreSQL evaluates
 * once per statement:
 * - `anyWord`: a tsquery matching any one of them, so that a snippet shows each word where it is, even apart
 *   from the others; null when there is none.
 * - `wordStart`: a regular expression for the beginnings of those words, regex syntax escaped. A stem is not
 *   always the beginning of its words ("happi" of "happy", "scalabl" of "scalability"), so a stem of four
 *   characters or more is sought without its last one; words found that only begin like it are told apart later.
 */
function queryWords(query: SQL): { anyWord: SQL; wordStart: SQL } {
  // websearch_to_tsquery negates single words and flat groups (phrases) only.
  const sought = sql`regexp_replace((${query})::text, '!\\([^()]*\\)', '', 'g')`
  const words = sql`regexp_matches(${sought}, '(!?)''((?:[^'']|'''')+)''(:[*A-D]+)?', 'g') as m where m[1] = ''`
  const stem = String.raw`regexp_replace(replace(m[2], '''''', ''''), '^(.{3,}).$', '\1')`
  const escaped = String.raw`regexp_replace(` + stem + String.raw`, '([^[:alnum:]_])', '\\\1', 'g')`
  // \m (a word's start) only before a word character: it never matches before "/" or ".".
  const alternative = sql.raw(String.raw`case when m[2] ~ '^[[:alnum:]_]' then '\m' else '' end || ` + escaped)
  return {
    anyWord: sql`(select string_agg('''' || m[2] || '''' || coalesce(m[3], ''), ' | ')::tsquery from ${words})`,
    wordStart: sql`(select '(' || string_agg(${alternative}, '|') || ')' from ${words})`,
  }
}

/**
 * The best fragments of the body, plain text with private-use markers around the words of the query (see
 * content/snippet.ts): from the window around the first word beginning like one of them, else from the body's
 * first SNIPPET_SOURCE_CHARS when the window would miss the match (see there), else (the words are not in the
 * body) its opening words. The markers are stripped from what ts_headline is given. A window that does not
 * start (or end) with the body drops what may be a cut word there.
 */
export function headline(query: SQL): SQL<string> {
  const { anyWord, wordStart } = queryWords(query)
  const [lead, size, scan, opening, source] = [SNIPPET_LEAD_CHARS, SNIPPET_WINDOW_CHARS, SNIPPET_SCAN_CHARS, SNIPPET_OPENING_CHARS, SNIPPET_SOURCE_CHARS]
    .map((n) => sql.raw(String(n)))
  // replace is ten times cheaper than translate. ts_headline's parser reads `<...>` as an HTML tag and leaves
  // it out, with any word inside (`Promise<Result>`): the brackets go in as private-use stand-ins, which
  // snippetHtml turns back into escaped ones.
  const privateUse = [MATCH_START, MATCH_END, LESS_THAN, GREATER_THAN].map((c) => sql.raw(`chr(${c.codePointAt(0)})`))
  const forHeadline = (text: SQL) => sql`replace(replace(${privateUse.reduce((t, c) => sql`replace(${t}, ${c}, '')`, text)},
      '<', ${privateUse[2]}), '>', ${privateUse[3]})`
  // A cut word is at most 40 characters: the window's first match is further in, and its last is kept.
  const window = forHeadline(sql`regexp_replace(regexp_replace(substr(w.text, w.start, w.size),
      case when w.start > 1 then '^\\S{0,40}\\s' else '^' end, ''), case when w.start + w.size <= length(w.text) then '\\s\\S{0,40}$' else '$' end, '')`)
  const missed = sql`(h.first > 0 and strpos(h.windowed, chr(57344)) = 0)
      or (h.first = 0 and coalesce(ts_filter(${posts.searchVector}, '{d}') @@ h.any_word, false))`
  // From the inside out: the body (t), where the first word is (f), the window (w), its headline (h). OFFSET 0
  // keeps each level apart: flattened, PostgreSQL would compute the scan and the headline once per mention.
  return sql<string>`(select case when ${missed}
        then ts_headline('english', ${forHeadline(sql`left(h.text, ${source})`)}, h.words, ${HEADLINE_OPTIONS}) else h.windowed end
    from (select w.text, w.first, w.words, w.any_word, ts_headline('english', ${window}, w.words, ${HEADLINE_OPTIONS}) as windowed
      from (select f.text, f.first, f.words, f.any_word, greatest(1, f.first - ${lead}) as start,
          case when f.first > 0 then ${size} else ${opening} end as size
        from (select t.text, t.words, t.any_word, coalesce(regexp_instr(left(t.text, ${scan}), ${wordStart}, 1, 1, 0, 'i'), 0) as first
          from (select coalesce(${posts.bodyText}, '') as text, ${anyWord} as any_word, coalesce(${anyWord}, ${query}) as words) as t
          offset 0) as f offset 0) as w offset 0) as h)`
}
