import escapeHtml from 'escape-html'

/** Markers the database puts around matches (private-use characters, stripped from the text first). */
export const MATCH_START = '\uE000'
export const MATCH_END = '\uE001'
/** Stand-ins for `<` and `>` in the text the database makes snippets of (which would read them as a tag). */
export const LESS_THAN = '\uE002'
export const GREATER_THAN = '\uE003'

/**
 * A search snippet safe to inject into a page: all text escaped, and nothing but `<mark>` around matches.
 * The database returns plain text with MATCH_START/MATCH_END around each hit, and LESS_THAN/GREATER_THAN for
 * the brackets of the text.
 */
export function snippetHtml(marked: string): string {
  return escapeHtml(marked).replaceAll(MATCH_START, '<mark>').replaceAll(MATCH_END, '</mark>').replaceAll(LESS_THAN, '&lt;').replaceAll(GREATER_THAN, '&gt;')
}
