import { Parser } from 'htmlparser2'

const BLOCKS = new Set([
  'p', 'div', 'li', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'blockquote', 'table', 'tr', 'td', 'th',
  'figure', 'figcaption', 'section', 'aside', 'details', 'summary', 'br', 'hr', 'dt', 'dd',
])
// Left out of excerpts: a summary reads as prose, not as code or a heading.
const NOT_PROSE = new Set(['pre', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'figcaption'])

/** Whether an element is left out of the prose: NOT_PROSE, footnotes (as Markdown's are marked), and a reference to one (a link within the page, in a superscript). */
function notProse(name: string, attribs: Record<string, string>, inSuperscript: boolean): boolean {
  return NOT_PROSE.has(name)
    || (name === 'section' && (attribs.class ?? '').split(/\s+/).includes('footnotes'))
    || (name === 'a' && inSuperscript && (attribs.href ?? '').startsWith('#'))
}

export interface TextOf { all: string; prose: string }

/** The visible text of an html fragment, entities decoded, with blocks separated by spaces. */
export function textOf(html: string): TextOf {
  let all = ''
  let prose = ''
  let skipDepth = 0
  let superscripts = 0
  // Whether each open element is left out of the prose (the parser closes every element it opens).
  const skips: boolean[] = []
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (BLOCKS.has(name)) { all += ' '; prose += ' ' }
        const skip = notProse(name, attribs, superscripts > 0)
        skips.push(skip)
        if (skip) skipDepth++
        if (name === 'sup') superscripts++
      },
      ontext(text) {
        all += text
        if (skipDepth === 0) prose += text
      },
      onclosetag(name) {
        if (skips.pop()) skipDepth--
        if (name === 'sup') superscripts--
        if (BLOCKS.has(name)) { all += ' '; prose += ' ' }
      },
    },
    { decodeEntities: true },
  )
  parser.write(html)
  parser.end()
  const squash = (s: string) => s.replace(/\s+/g, ' ').trim()
  return { all: squash(all), prose: squash(prose) }
}

export const EXCERPT_LENGTH = 300
const WORDS_PER_MINUTE = 230

/** A text's length in code points, as the write API's validator counts it (an emoji is one character, not two). */
export const lengthOf = (text: string) => Array.from(text).length

/**
 * Whole words up to about `max` characters, with an ellipsis after them when the text was cut: at a word
 * where one ends in the second half, else after `max` characters; never between the halves of a surrogate
 * pair, which would be no text.
 */
export function excerptOf(text: string, max = EXCERPT_LENGTH): string {
  const chars = Array.from(text)
  if (chars.length <= max) return text
  // The first max characters, and the one after them: a space there ends a word.
  const cut = chars.slice(0, max + 1).join('')
  const lastSpace = cut.lastIndexOf(' ')
  const words = (lastSpace > max / 2 ? cut.slice(0, lastSpace) : chars.slice(0, max).join('')).replace(/[\s,;:.!?-]+$/u, '')
  return `${words}…`
}

/** `text` cut to `max` characters, the ellipsis included (excerptOf's cut, one character shorter): a name within its limit. */
export function clip(text: string, max: number): string {
  return lengthOf(text) <= max ? text : excerptOf(text, max - 1)
}

// A word of a script written with spaces between words: a run of letters and digits.
const SPACED_WORD = /[\p{L}\p{N}][\p{L}\p{N}'’_-]*/gu
// Scripts written without spaces between words (Chinese, Japanese, Thai ...): a run of them is one "word" to
// SPACED_WORD, a whole sentence. ICU's dictionaries find their words (Intl.Segmenter).
const SPACELESS_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]+/gu
const SEGMENTER = new Intl.Segmenter('en', { granularity: 'word' })
// The segmenter is given so many characters at a time: on Node 20 its cost grows with the square of the
// text it is given (a 180 kB body took 12 s), and a word cut at a piece's end is a word counted twice at most.
const SEGMENTED_PIECE = /[\s\S]{1,1000}/gu

/** The words of a text: runs of letters, and the dictionaries' words in scripts written without spaces. */
export function wordCountOf(text: string): number {
  let words = 0
  const spaced = text.replace(SPACELESS_RUN, (run) => {
    for (const piece of run.match(SEGMENTED_PIECE) ?? []) {
      for (const segment of SEGMENTER.segment(piece)) if (segment.isWordLike) words++
    }
    return ' '
  })
  return words + (spaced.match(SPACED_WORD)?.length ?? 0)
}

export function readingTimeOf(words: number): number {
  return Math.max(1, Math.round(words / WORDS_PER_MINUTE))
}
