import escapeHtml from 'escape-html'

/** Markers the database puts around matches (private-use characters, stripped from the text first). */
export const MATCH_START = '\uE000'
export const MATCH_END = '\uE001'

/**
 * A search snippet safe to inject into a page: all text escaped, and nothing but `<mark>` around matches.
 * The database returns plain text with MATCH_START/MATCH_END around each hit.
 */
export function snippetHtml(marked: string): string {
  return escapeHtml(marked).replaceAll(MATCH_START, '<mark>').replaceAll(MATCH_END, '</mark>')
}
