import { excerptOf, readingTimeOf, textOf, wordCountOf, type TextOf } from './derive.js'
import { renderMarkdown } from './markdown.js'
import { SANITIZER_VERSION, sanitizeHtml } from './sanitize.js'

export type PostBody = { markdown: string; html?: undefined } | { html: string; markdown?: undefined }

export interface PreparedContent {
  html: string
  /** The sanitiser's rules the html was sanitised under. */
  sanitizerVersion: number
  markdown: string | null
  /** The visible text, for search snippets. */
  bodyText: string
  excerpt: string
  wordCount: number
  readingTimeMinutes: number
}

/**
 * Everything a post's row stores about its body, computed once at write time so that lists never read
 * bodies: sanitised html (from Markdown or html), the excerpt (custom or derived), word count, reading time.
 */
export function prepareContent(body: PostBody, customExcerpt?: string | null): PreparedContent {
  const markdown = body.markdown ?? null
  const html = sanitizeHtml(markdown !== null ? renderMarkdown(markdown) : (body.html ?? ''))
  const text = textOf(html)
  const wordCount = wordCountOf(text.all)
  return {
    html,
    sanitizerVersion: SANITIZER_VERSION,
    markdown,
    bodyText: text.all,
    excerpt: customExcerpt?.trim() ? customExcerpt.trim() : derivedExcerpt(text),
    wordCount,
    readingTimeMinutes: readingTimeOf(wordCount),
  }
}

/** The excerpt a body gives a post without a custom one: its opening prose. */
function derivedExcerpt(text: TextOf): string {
  return excerptOf(text.prose || text.all)
}

/** The excerpt a stored body (sanitised html) gives a post without a custom one. */
export function derivedExcerptOf(html: string): string {
  return derivedExcerpt(textOf(html))
}
