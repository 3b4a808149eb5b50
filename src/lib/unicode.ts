/**
 * Text in Unicode's composed form (NFC), as the W3C's character model asks of web content: "é" sent as an e
 * and a combining accent (as macOS keeps file names, and some editors paste) and as one character are then
 * the same text, to search, to compare names by, and to make slugs from. Every string in arrays and plain
 * objects, at any depth, is replaced by its composed form in place (with a stack of its own: no recursion);
 * the rest (a Date, say) is left as it is.
 */
export function composeInPlace(value: unknown): void {
  const pending: unknown[] = [value]
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (node === null || typeof node !== 'object' || ![Object.prototype, Array.prototype, null].includes(Object.getPrototypeOf(node))) continue
    const record = node as Record<string, unknown>
    for (const key of Object.keys(record)) {
      const inner = record[key]
      if (typeof inner === 'string') record[key] = inner.normalize('NFC')
      else pending.push(inner)
    }
  }
}
