import { sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import { posts } from '../../db/schema.js'

/**
 * The tsquery for what a reader typed, with `websearch_to_tsquery` semantics ("quoted phrases", `or`,
 * `-exclusions`) and the last plain word matched as a prefix, so type-ahead finds "architecture" from
 * "archit". The prefix word is reduced to letters and digits, so nothing the user types reaches
 * `to_tsquery` syntax.
 */
export function searchQuery(q: string): SQL {
  const words = q.trim().split(/\s+/)
  const last = words.at(-1) ?? ''
  const plainLast = /^[\p{L}\p{N}][\p{L}\p{N}'’-]*$/u.test(last) && !/^or$/i.test(last) && !q.trim().endsWith('"')
  const quotesBalanced = (q.match(/"/g)?.length ?? 0) % 2 === 0
  if (!plainLast || !quotesBalanced) return sql`websearch_to_tsquery('english', ${q})`
  const prefix = last.replace(/[^\p{L}\p{N}]+/gu, '')
  const rest = words.slice(0, -1)
  const alternative = rest.length > 0 && /^or$/i.test(rest.at(-1)!)
  const restQuery = sql`websearch_to_tsquery('english', ${(alternative ? rest.slice(0, -1) : rest).join(' ')})`
  const prefixQuery = sql`to_tsquery('english', ${`${prefix}:*`})`
  return alternative ? sql`(${restQuery} || ${prefixQuery})` : sql`(${restQuery} && ${prefixQuery})`
}

export function matches(query: SQL): SQL {
  return sql`${posts.searchVector} @@ ${query}`
}

/**
 * Relevance: title hits weigh most (A), then excerpt and tags (B); longer documents are not favoured. The
 * body is left out: its vector is kilobytes out of line, and reading it for each of a search's candidates
 * cost more than finding them. Posts matching in the body alone rank equal, newest first. `rankVector` is
 * posts.rank_vector, or that column carried through a subquery.
 */
export function rank(rankVector: SQLWrapper, query: SQL): SQL<number> {
  return sql<number>`ts_rank(${rankVector}, ${query}, 1)`
}

/**
 * A snippet is drawn from a window of the body around the first word that begins like a word of the query:
 * ts_headline parses all the text it is given (about half a millisecond per 5 kB), and finding that word is a
 * regular expression's scan, some thirty times cheaper. The window starts SNIPPET_LEAD_CHARS before the word (more than
 * a fragment reaches back) and is SNIPPET_WINDOW_CHARS long, so a match anywhere in a long post is shown.
 */
export const SNIPPET_WINDOW_CHARS = 700
export const SNIPPET_LEAD_CHARS = 200
/** Without such a word, the opening words are shown (ts_headline's first MinWords): the window is the body's start, and shorter. */
export const SNIPPET_OPENING_CHARS = 400
/**
 * When the window holds no match after all (a word only begins like the query's, as "database" does "data"),
 * the snippet is drawn from the body's first SNIPPET_SOURCE_CHARS instead; a match only past them shows the
 * post's opening words.
 */
export const SNIPPET_SOURCE_CHARS = 10_000

const HEADLINE_OPTIONS = sql.raw(
  `'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) || ', MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'`)

/**
 * The words a query looks for (not those it excludes), read off the tsquery's text (`'data' & !'ferri' &
 * 'pipelin':*`), as two scalar subqueries that PostgreSQL evaluates once per statement:
 * - `anyWord`: a tsquery matching any one of them, so that a snippet shows each word where it is, even apart
 *   from the others; null when there is none.
 * - `wordStart`: a regular expression for the beginnings of those words, with regex syntax escaped. A stem
 *   is not always the beginning of its words ("happi" of "happy", "hope" of "hoping"), so a final e or i is
 *   left out.
 */
function queryWords(query: SQL): { anyWord: SQL; wordStart: SQL } {
  const words = sql`regexp_matches((${query})::text, '(!?)''((?:[^'']|'''')+)''(:[*A-D]+)?', 'g') as m where m[1] = ''`
  const stem = String.raw`regexp_replace(replace(m[2], '''''', ''''), '(.{3,})[ei]$', '\1')`
  const escaped = sql.raw(String.raw`regexp_replace(` + stem + String.raw`, '([^[:alnum:]_])', '\\\1', 'g')`)
  return {
    anyWord: sql`(select string_agg('''' || m[2] || '''' || coalesce(m[3], ''), ' | ')::tsquery from ${words})`,
    wordStart: sql`(select '\\m(' || string_agg(${escaped}, '|') || ')' from ${words})`,
  }
}

/**
 * The best fragments of the body, plain text with private-use markers around the words of the query (see
 * content/snippet.ts): from the window around the first word beginning like one of them (the opening words
 * when there is none), or from the body's first SNIPPET_SOURCE_CHARS when that window holds no match. The
 * markers are stripped from the text first. A window that does not start (or end) with the body drops its
 * first (or last) word, which may be cut.
 */
export function headline(query: SQL): SQL<string> {
  const { anyWord, wordStart } = queryWords(query)
  const [lead, size, opening, source] = [SNIPPET_LEAD_CHARS, SNIPPET_WINDOW_CHARS, SNIPPET_OPENING_CHARS, SNIPPET_SOURCE_CHARS]
    .map((n) => sql.raw(String(n)))
  // Only what ts_headline is given loses the markers (replace is ten times cheaper than translate).
  const withoutMarkers = (text: SQL) => sql`replace(replace(${text}, chr(57344), ''), chr(57345), '')`
  const window = withoutMarkers(sql`regexp_replace(regexp_replace(substr(w.text, w.start, w.size),
      case when w.start > 1 then '^\\S*\\s' else '^' end, ''), case when w.start + w.size <= length(w.text) then '\\s\\S*$' else '$' end, '')`)
  // From the inside out: the body (t), where the first word is (f), the window (w), its headline (h). OFFSET 0
  // keeps each level apart: flattened, PostgreSQL would compute the scan and the headline once per mention.
  return sql<string>`(select case when h.first > 0 and strpos(h.windowed, chr(57344)) = 0
        then ts_headline('english', ${withoutMarkers(sql`left(h.text, ${source})`)}, h.words, ${HEADLINE_OPTIONS}) else h.windowed end
    from (select w.text, w.first, w.words, ts_headline('english', ${window}, w.words, ${HEADLINE_OPTIONS}) as windowed
      from (select f.text, f.first, f.words, greatest(1, f.first - ${lead}) as start, case when f.first > 0 then ${size} else ${opening} end as size
        from (select t.text, coalesce(regexp_instr(t.text, ${wordStart}, 1, 1, 0, 'i'), 0) as first, coalesce(${anyWord}, ${query}) as words
          from (select coalesce(${posts.bodyText}, '') as text) as t) as f offset 0) as w offset 0) as h)`
}
