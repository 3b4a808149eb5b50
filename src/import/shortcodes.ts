import escapeHtml from 'escape-html'
import { decodeHTML } from 'entities'
import { replacePaired } from './paired.js'

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

// A shortcode's opening: its name, then attributes, which hold no brackets (nor can they, in WordPress). Not
// `[^\]]*`: an opening never closed by `]` would then be searched to the end, once for each of them.
const opening = (names: string) => new RegExp(`\\[(${names})\\b([^[\\]]*)\\]`, 'gi')
const closingOf = (m: RegExpExecArray) => `[/${m[1]}]`

/** The content with WordPress's core shortcodes turned into the html they render as. */
export function expandShortcodes(content: string): string {
  // [caption]<img …> The caption[/caption] (wp_caption in old exports; the caption also as an attribute).
  let html = replacePaired(content, {
    opening: opening('wp_caption|caption'),
    closing: closingOf,
    render: ([, , attributes], inner) => {
      const m = CAPTIONED.exec(inner)
      if (!m) return inner
      const caption = (m[2] ?? '').trim() || escapeHtml(decodeHTML(attributesOf(attributes ?? '').caption ?? ''))
      return `<figure>${m[1]}${caption ? `<figcaption>${caption}</figcaption>` : ''}</figure>`
    },
  })
  // [code lang="ts"]…[/code], [sourcecode language="ts"]…[/sourcecode]: the code as typed, in a code block.
  html = replacePaired(html, {
    opening: opening('sourcecode|code'),
    closing: closingOf,
    render: ([, , attributes], code) => {
      const a = attributesOf(attributes ?? '')
      const language = (a.language ?? a.lang ?? '').toLowerCase().replace(/[^\w-]/g, '')
      // Typed in the code editor, the code is text; the visual editor may have escaped it already.
      const text = escapeHtml(decodeHTML(code.replace(/^\r?\n/, '')))
      return `<pre><code${language ? ` class="language-${language}"` : ''}>${text}</code></pre>`
    },
  })
  // [audio src=URL], [video mp4=URL], closed or not: a link to what was embedded.
  const media = ([, , attributes]: RegExpExecArray) => {
    const a = attributesOf(attributes ?? '')
    const url = a.src ?? a.mp3 ?? a.m4a ?? a.ogg ?? a.wav ?? a.mp4 ?? a.webm ?? a.ogv ?? a.m4v
    return url ? link(decodeHTML(url)) : ''
  }
  html = replacePaired(html, { opening: opening('audio|video'), closing: closingOf, render: media, unclosed: media })
  return html
    // [embed]URL[/embed]: a link to what was embedded. The URL runs to a space or a bracket.
    .replace(/\[embed\b[^[\]]*\]\s*([^\s[\]]+)\s*\[\/embed\]/gi, (_whole, url: string) => link(decodeHTML(url)))
    // Attachments by id: nothing an export carries to show them with.
    .replace(/\[(gallery|playlist)\b[^[\]]*\]/gi, '')
}
