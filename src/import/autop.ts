// WordPress stores a classic-editor post without its paragraphs: they are blank lines, turned into <p> only
// when the post is displayed (wpautop). Imported as it is, such a post would read as one long run of text.
// This is the core of wpautop: block elements stand apart, blank lines separate paragraphs, a single
// newline is a line break, and <pre> keeps its newlines. Block-editor posts are html already: as in
// WordPress, they are left as they are, less the block delimiters (html comments).

import { replacePaired } from './paired.js'

const BLOCKS = 'p|div|h[1-6]|ul|ol|li|dl|dt|dd|blockquote|table|thead|tbody|tfoot|tr|td|th|caption|figure|figcaption|hr|section|aside|header|footer|details|summary|form|address'
// A tag's attributes run to its `>`, and stop at a `<` (a tag never closed is not searched to the end, once for
// each of them).
const OPENING = new RegExp(`(<(?:${BLOCKS})\\b[^<>]*>)`, 'gi')
const CLOSING = new RegExp(`(</(?:${BLOCKS})>)`, 'gi')
const STARTS_BLOCK = new RegExp(`^(?:</?(?:${BLOCKS})\\b|<!--|\u0000)`, 'i')
const ENDS_BLOCK = new RegExp(`(?:</(?:${BLOCKS})>|-->|\u0000)$`, 'i')
// Kept whole: newlines in these mean what they say.
const PRESERVE = { opening: /<(pre|script|style|textarea)\b/gi, closing: (m: RegExpExecArray) => `</${m[1]}>` }
// What a newline within a paragraph may be part of: a <br> (any case, <br/> and <br /> too) and the spaces
// after it, or a tag; else it is a line break. Each alternative stops at the first `>` or newline it cannot
// take, so no position is searched to the end of the text.
const LINE_BREAK = /(<br\s*\/?>[^\S\n]*\n|<[^<>]*>)|\n/gi
const BLOCK_EDITOR = /<!--\s*wp:/
// A block's delimiter, `<!-- wp:paragraph -->` or `<!-- /wp:paragraph -->`, marked for the spacing around it.
const DELIMITER = { opening: /<!--\s*\/?wp:/g, closing: () => '-->', render: () => '\u0000' }

export function autop(html: string): string {
  if (BLOCK_EDITOR.test(html)) return replacePaired(html, DELIMITER).replace(/\s*\u0000[\s\u0000]*/g, '\n').trim()
  const kept: string[] = []
  const text = replacePaired(html.replace(/\r\n?/g, '\n'), {
    ...PRESERVE,
    render: (m, inner, closing) => `\n\n\u0000${kept.push(`${m[0]}${inner}${closing}`) - 1}\u0000\n\n`,
  })
    .replace(OPENING, '\n\n$1')
    .replace(CLOSING, '$1\n\n')
  const restore = (s: string) => s.replace(/\u0000(\d+)\u0000/g, (_, i: string) => kept[Number(i)]!)
  return text
    .split(/\n\s*\n/)
    .map((chunk) => chunk.trim())
    .filter(Boolean)
    .map((chunk) => {
      if (STARTS_BLOCK.test(chunk) || ENDS_BLOCK.test(chunk)) return restore(chunk)
      // A newline inside a tag (attributes over several lines) is no line break, nor is one a <br> already
      // ends (wpautop's `(?<!<br />)\s*\n`): the break is there once.
      return `<p>${restore(chunk.replace(LINE_BREAK, (_match: string, kept?: string) => kept ?? '<br>\n'))}</p>`
    })
    .join('\n')
}
