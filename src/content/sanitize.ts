import sanitize from 'sanitize-html'
import { srcsetCandidates } from './srcset.js'

const DIRECTIONS = new Set(['ltr', 'rtl', 'auto'])

/**
 * The prefix of the ids and anchor names a post keeps, as GitHub gives them: a post's html is put into a
 * frontend's page, where `<a id="config">` or `<a name="location">` would stand in for `window.config` or a
 * property the page's scripts read (DOM clobbering). The post's own links to them (`href="#setup"`) follow.
 */
export const ID_PREFIX = 'user-content-'
const prefixed = (name: string) => (name.startsWith(ID_PREFIX) ? name : `${ID_PREFIX}${name}`)
// `#` and `#top` go to the top of the page, by the browser's own rule; other fragments name an id.
const ownFragment = (href: string) => href.startsWith('#') && href !== '#' && href.toLowerCase() !== '#top'

/**
 * What a post's html never holds: control characters, C0 (but tab, line feed and carriage return) and C1,
 * which HTML calls parse errors and shown are boxes or terminal escapes; and what XML cannot carry, which
 * feeds drop (feed-text.ts): the noncharacters U+FFFE and U+FFFF, and lone surrogates. Taken out of text and
 * attribute values as they are read, not from the html made: `java&#127;script:` is a relative URL to a
 * browser, and the sanitiser must check it as the `javascript:` it would become without the character.
 */
const UNSTORED = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ud800-\udfff\ufffe\uffff]/gu

/** The schemes a post's links may have (its images: http and https only). */
export const LINK_SCHEMES: readonly string[] = ['http', 'https', 'mailto', 'tel']

// Attributes that hold one URL (srcset, which holds a list of image candidates, is checked one by one).
const URL_ATTRIBUTES = new Set(['href', 'src', 'cite'])
/**
 * Whether a URL would name a refused scheme once Unicode spaces and format characters before it are gone
 * (and tabs and line breaks anywhere, which a browser's URL parser drops). A browser reads
 * `&#xa0;javascript:` as a path, and so does the sanitiser; a frontend that trims the links it rewrites
 * (JavaScript's trim() takes no-break spaces and byte order marks) would make a script of it.
 */
function refusedOnceTrimmed(url: string): boolean {
  const scheme = /^([a-z][a-z\d+.-]*):/i.exec(url.replace(/[\t\n\r]/g, '').replace(/^[\s\p{Cf}\u0000-\u0020]+/u, ''))?.[1]
  return scheme !== undefined && !LINK_SCHEMES.includes(scheme.toLowerCase())
}

// An allowlist: what a blog post needs (headings, lists, tables, code, images, links, figures) and
// nothing that runs (script, event handlers, style, iframes, javascript:/data: URLs).
const options: sanitize.IOptions = {
  allowedTags: [
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code', 'kbd', 'samp', 'var',
    'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'strong', 'b', 'em', 'i', 'u', 's', 'del', 'ins', 'mark', 'small',
    'sub', 'sup', 'abbr', 'cite', 'q', 'span', 'div', 'a', 'img', 'figure', 'figcaption', 'picture', 'source',
    'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'colgroup', 'col', 'details', 'summary',
    'time', 'aside', 'section', 'input', 'bdi', 'bdo',
  ],
  allowedAttributes: {
    // The direction and language of a passage (Arabic or Hebrew in an English post), on any element (see
    // transformTags for the directions kept); ids, which the post's links may lead to (a heading, a
    // footnote: see ID_PREFIX); and a label for assistive technology (a footnote's way back, "↩").
    '*': ['dir', 'lang', 'id', 'aria-label'],
    a: ['href', 'title', 'rel', 'name'],
    img: ['src', 'srcset', 'sizes', 'alt', 'title', 'width', 'height', 'loading'],
    source: ['srcset', 'sizes', 'type', 'media'],
    code: ['class'],
    pre: ['class'],
    span: ['class'],
    div: ['class'],
    th: ['colspan', 'rowspan', 'scope', 'align'],
    td: ['colspan', 'rowspan', 'align'],
    colgroup: ['span'],
    col: ['span'],
    ol: ['start', 'reversed', 'type'],
    li: ['value'],
    abbr: ['title'],
    time: ['datetime'],
    input: ['type', 'checked', 'disabled'],
  },
  allowedClasses: {
    code: [/^language-[\w-]+$/],
    pre: [/^language-[\w-]+$/],
    span: [/^hljs-[\w-]+$/],
    div: [/^language-[\w-]+$/],
    // Markdown's footnotes, as GitHub marks them: their section, and its heading meant for screen readers only.
    section: ['footnotes'],
    h2: ['sr-only'],
  },
  // A direction is one of HTML's three, or none; ids and anchor names are the post's own (ID_PREFIX). Values
  // lose what is never stored (UNSTORED) here, before their URLs' schemes are checked.
  transformTags: {
    '*': (tagName, attribs) => {
      const kept: Record<string, string> = {}
      for (const [name, written] of Object.entries(attribs)) {
        const value = written.replace(UNSTORED, '')
        if (name === 'dir' && !DIRECTIONS.has(value.toLowerCase())) continue
        if (URL_ATTRIBUTES.has(name) && refusedOnceTrimmed(value)) continue
        if (name === 'srcset' && srcsetCandidates(value).some(({ url }) => refusedOnceTrimmed(url))) continue
        kept[name] = (name === 'id' || name === 'name') && value ? prefixed(value)
          : name === 'href' && ownFragment(value) ? `#${prefixed(value.slice(1))}`
          : value
      }
      return { tagName, attribs: kept }
    },
  },
  allowedSchemes: [...LINK_SCHEMES],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'srcset'],
  allowProtocolRelative: true,
  disallowedTagsMode: 'discard',
  // HTML's void elements among those allowed, written as such: `<source></source>` is not HTML.
  selfClosing: [...sanitize.defaults.selfClosing, 'source', 'col'],
  // Keep the text of unknown wrappers, but drop what is inside script-like tags entirely.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'iframe', 'object', 'embed'],
  enforceHtmlBoundary: false,
  // `input` is there for Markdown task lists (`- [x] done`): a checkbox, and no other kind of field.
  exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs.type !== 'checkbox',
  // Text (escaped already) without what is never stored.
  textFilter: (text) => text.replace(UNSTORED, ''),
}

/**
 * The version of the rules above, stored with each post's html (posts.sanitizer_version). Raise it with a
 * change to them that the html stored before should get: after migrations, the first start with the new
 * version sanitises again every post sanitised under an older one (or none), and writes those whose html
 * changes (backfill.ts). That can take away what the new rules refuse, or rewrite what they keep (as the id
 * prefix did), but it cannot bring back what older rules took away.
 * - 1: ids and anchor names prefixed with ID_PREFIX, and the post's links to them.
 * - 2: ids kept on every element (before, only on links and headings, so a link to a footnote's `<li>` led
 *   nowhere). Markdown headings and footnotes came with it: the pass renders a post written in Markdown again.
 *   `<source>` and `<col>` written as the void elements they are, and a column's `span` kept.
 * - 3: control characters and what XML cannot carry taken out of attribute values before their URLs are
 *   checked (before, after: `java&#127;script:` passed as a relative URL, then lost the character and ran);
 *   URLs refused that a frontend's trim() would make a script of (refusedOnceTrimmed); and a combining mark
 *   after a tag written as a reference (marksApart).
 */
export const SANITIZER_VERSION = 3

export function sanitizeHtml(html: string): string {
  return marksApart(sanitize(html, options))
}

/**
 * The html with each combining mark that follows a `>` written as a character reference, which is the same
 * html to a browser. Composed (NFC, as text is stored: COMPOSED_TEXT in lib/schemas.ts), a mark would join
 * the `>` of the tag before it (U+0338 makes `≯`), and the tag would run on into the text after it. A
 * serialiser writes every other `>` as `&gt;`, but in an attribute's value, where a reference reads the same.
 */
export function marksApart(html: string): string {
  return html.replace(/>(\p{M})/gu, (_, mark: string) => `>&#x${mark.codePointAt(0)!.toString(16)};`)
}
