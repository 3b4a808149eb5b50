/**
 * Rendered feed documents by ETag, least recently used first out. The ETag names the content state, the
 * scope, the page, the format and the settings a document was built from, so an entry is never stale: a
 * change anywhere gives new validators and so a new key, and the old entry simply ages out.
 *
 * Readers poll the same few feeds over and over; without this every unconditional poll would re-read 20
 * full bodies and re-render them. Bounded by entries and by characters held, so a site with thousands of
 * tags cannot grow it without limit.
 */
export class DocumentCache<T> {
  private readonly entries = new Map<string, { value: T; size: number }>()
  private held = 0

  constructor(
    private readonly maxEntries: number,
    private readonly maxSize: number,
    private readonly sizeOf: (value: T) => number,
  ) {}

  get(key: string): T | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    // Map keeps insertion order: re-inserting marks the entry as the most recently used.
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry.value
  }

  set(key: string, value: T): void {
    const size = this.sizeOf(value)
    if (size > this.maxSize) return
    const previous = this.entries.get(key)
    if (previous) {
      this.held -= previous.size
      this.entries.delete(key)
    }
    this.entries.set(key, { value, size })
    this.held += size
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.held <= this.maxSize) break
      this.entries.delete(oldest)
      this.held -= entry.size
    }
  }
}
