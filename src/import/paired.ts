/** What an opening is, and what follows it: its closing as text (found case-insensitively), and its rendering. */
export interface Pairing {
  /** The openings: a global regex that stops at the next opening (`[^[\]]*`, not `[^\]]*` or `[\s\S]*`). */
  opening: RegExp
  /** The closing text an opening wants (`[/caption]` for `[caption …]`). */
  closing: (opening: RegExpExecArray) => string
  /** What an opening, the text up to its closing and the closing (as written) become. */
  render: (opening: RegExpExecArray, inner: string, closing: string) => string
  /** What an opening never closed becomes; by default it is left as written. */
  unclosed?: (opening: RegExpExecArray) => string
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The text with each opening and what follows it up to its nearest closing replaced, as the lazy regex
 * `opening[\s\S]*?closing` would, but in time linear in the text: that regex searches from every opening
 * never closed to the end of the text, which a crafted post of many openings makes take minutes.
 * Here a closing searched for in vain is not searched for again.
 */
export function replacePaired(text: string, { opening, closing, render, unclosed }: Pairing): string {
  // Where the search for each closing failed: none is past it.
  const noneFrom = new Map<string, number>()
  const closings = new Map<string, RegExp>()
  let out = ''
  let done = 0
  opening.lastIndex = 0
  for (let m = opening.exec(text); m; m = opening.exec(text)) {
    const after = m.index + m[0].length
    const wanted = closing(m)
    let close: RegExpExecArray | null = null
    if ((noneFrom.get(wanted.toLowerCase()) ?? Infinity) > after) {
      let search = closings.get(wanted.toLowerCase())
      if (!search) closings.set(wanted.toLowerCase(), (search = new RegExp(escapeRegExp(wanted), 'gi')))
      search.lastIndex = after
      close = search.exec(text)
      if (!close) noneFrom.set(wanted.toLowerCase(), after)
    }
    if (close) {
      out += text.slice(done, m.index) + render(m, text.slice(after, close.index), close[0])
      done = opening.lastIndex = close.index + close[0].length
    } else if (unclosed) {
      out += text.slice(done, m.index) + unclosed(m)
      done = after
    }
  }
  return out + text.slice(done)
}
