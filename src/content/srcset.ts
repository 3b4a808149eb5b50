/** Whitespace as HTML's srcset parsing knows it: ASCII's. */
const SPACE = /[\t\n\f\r ]/
const EDGE_SPACES = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g

/**
 * A srcset's candidates, `url [descriptor], url [descriptor]`, as HTML parses them: a URL runs to the next
 * ASCII whitespace (a no-break space is part of it), and a comma ends a candidate only after its URL, or at
 * the URL's end. URLs may themselves contain commas, so a plain split would break them.
 */
export function srcsetCandidates(srcset: string): { url: string; descriptor: string }[] {
  const candidates: { url: string; descriptor: string }[] = []
  let rest = srcset
  while (rest.replace(EDGE_SPACES, '') !== '') {
    rest = rest.replace(/^[\t\n\f\r ,]+/, '')
    const urlEnd = rest.search(SPACE)
    let url = urlEnd === -1 ? rest : rest.slice(0, urlEnd)
    rest = urlEnd === -1 ? '' : rest.slice(urlEnd)
    let descriptor = ''
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '')
    } else {
      const comma = rest.indexOf(',')
      descriptor = (comma === -1 ? rest : rest.slice(0, comma)).replace(EDGE_SPACES, '')
      rest = comma === -1 ? '' : rest.slice(comma + 1)
    }
    if (url) candidates.push({ url, descriptor })
  }
  return candidates
}
