import escapeHtml from 'escape-html'
import { decodeHTML } from 'entities'

// WordPress's core shortcodes, as an export keeps them in a post's content: rendered by WordPress on every
// view, they would otherwise reach Quire as literal text ("[caption id=…]") in the body and its excerpt.
// What they stand for becomes html; a gallery or playlist (attachments by id, which an export does not
// carry as such) goes. Other bracketed text ("[1]", "[sic]", a plugin's shortcode) is left as written.

/** A shortcode's attributes: name="value", name='value' or name=value. */
function attributesOf(text: string): Record<string, string> {
  const attributes: Record<string, string> = {}
  for (const m of text.matchAll(/([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'\]]+))/g)) {
    attributes[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? m[4] ?? ''
  }
  return attributes
}

const link = (url: string) => `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`

// The image (alone or in its link) a caption is about, at the start of its content; the rest is the caption.
const CAPTIONED = /^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*<\/a>)?)([\s\S]*)$/i

/** The content with WordPress's core shortcodes turned into the html they render as. */
export function expandShortcodes(content: string): string {
  return content
    // [caption]<img …> The caption[/caption] (wp_caption in old exports; the caption also as an attribute).
    .replace(/\[(wp_caption|caption)\b([^\]]*)\]([\s\S]*?)\[\/\1\]/gi, (whole, _name: string, attributes: string, inner: string) => {
      const m = CAPTIONED.exec(inner)
      if (!m) return inner
      const caption = (m[2] ?? '').trim() || escapeHtml(decodeHTML(attributesOf(attributes).caption ?? ''))
      return `<figure>${m[1]}${caption ? `<figcaption>${caption}</figcaption>` : ''}</figure>`
    })
    // [code lang="ts"]…[/code], [sourcecode language="ts"]…[/sourcecode]: the code as typed, in a code block.
    .replace(/\[(sourcecode|code)\b([^\]]*)\]([\s\S]*?)\[\/\1\]/gi, (_whole, _name: string, attributes: string, code: string) => {
      const a = attributesOf(attributes)
      const language = (a.language ?? a.lang ?? '').toLowerCase().replace(/[^\w-]/g, '')
      // Typed in the code editor, the code is text; the visual editor may have escaped it already.
      const text = escapeHtml(decodeHTML(code.replace(/^\r?\n/, '')))
      return `<pre><code${language ? ` class="language-${language}"` : ''}>${text}</code></pre>`
    })
    // [embed]URL[/embed], [audio src=URL], [video mp4=URL]: a link to what was embedded.
    .replace(/\[embed\b[^\]]*\]\s*(\S+?)\s*\[\/embed\]/gi, (_whole, url: string) => link(decodeHTML(url)))
    .replace(/\[(audio|video)\b([^\]]*)\](?:[\s\S]*?\[\/\1\])?/gi, (_whole, _name: string, attributes: string) => {
      const a = attributesOf(attributes)
      const url = a.src ?? a.mp3 ?? a.m4a ?? a.ogg ?? a.wav ?? a.mp4 ?? a.webm ?? a.ogv ?? a.m4v
      return url ? link(decodeHTML(url)) : ''
    })
    // Attachments by id: nothing an export carries to show them with.
    .replace(/\[(gallery|playlist)\b[^\]]*\]/gi, '')
}
