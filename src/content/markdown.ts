import { Marked } from 'marked'

// One configured instance: GitHub-flavoured Markdown (tables, strikethrough, autolinks), no raw-HTML trust:
// whatever it renders still goes through sanitizeHtml before it is stored.
const marked = new Marked({ gfm: true, breaks: false, async: false })

export function renderMarkdown(markdown: string): string {
  return marked.parse(markdown, { async: false })
}
