import { Marked } from 'marked'
import markedFootnote from 'marked-footnote'
import { gfmHeadingId } from 'marked-gfm-heading-id'

// One configured instance: GitHub-flavoured Markdown (tables, strikethrough, autolinks, footnotes `[^1]`,
// headings with ids made as GitHub makes them, so `[setup](#setup)` leads to `## Setup`), no raw-HTML trust:
// whatever it renders still goes through sanitizeHtml before it is stored (which prefixes the ids). Footnotes'
// ids have a colon (`fn:1`, as kramdown's), which a heading's never has: a heading "Footnote 1" keeps its own.
const marked = new Marked({ gfm: true, breaks: false, async: false }).use(gfmHeadingId(), markedFootnote({ prefixId: 'fn:' }))

export function renderMarkdown(markdown: string): string {
  return marked.parse(markdown, { async: false })
}
