/** Fills a frontend URL template (`{slug}`, `{id}`, `{year}`, `{month}`, `{day}`) for one resource. */
export function fillTemplate(template: string, values: { slug: string; id?: string; date?: Date | null }): string {
  const date = values.date ?? null
  const pad = (n: number) => String(n).padStart(2, '0')
  return template
    .replaceAll('{slug}', encodeURIComponent(values.slug))
    .replaceAll('{id}', values.id ?? '')
    .replaceAll('{year}', date ? String(date.getUTCFullYear()) : '')
    .replaceAll('{month}', date ? pad(date.getUTCMonth() + 1) : '')
    .replaceAll('{day}', date ? pad(date.getUTCDate()) : '')
}
