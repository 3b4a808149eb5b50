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
 * How much of a body the snippet is drawn from. ts_headline parses all the text it is given (about half a
 * millisecond per 5 kB), so a long post would cost a search tens of milliseconds for its snippet alone; a
 * match only past this point shows the post's opening words instead.
 */
export const SNIPPET_SOURCE_CHARS = 10_000

/** The best fragments of the body, plain text with private-use markers around the matches (see content/snippet.ts). */
export function headline(query: SQL): SQL<string> {
  return sql<string>`ts_headline('english', translate(left(coalesce(${posts.bodyText}, ''), ${sql.raw(String(SNIPPET_SOURCE_CHARS))}), E'\\uE000\\uE001', ''), ${query},
    'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) || ', MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "')`
}
