import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { root } from '../helper.js'

export interface DemoPost {
  slug: string
  title: string
  authors: string[]
  tags: string[]
  publishedAt: string | null
  status?: string
  featured?: boolean
  excerpt?: string
  canonicalUrl?: string
}

export const demo = JSON.parse(readFileSync(join(root, 'demo/archive.json'), 'utf8')) as {
  authors: { slug: string; name: string; title: string }[]
  tags: { slug: string; name: string }[]
  posts: DemoPost[]
}

/** The demo posts the public should see now, newest first: what the API must agree with. */
export function publicDemoPosts(now = Date.now()): DemoPost[] {
  return demo.posts
    .filter((p) => (p.status ?? 'published') === 'published' && p.publishedAt !== null && Date.parse(p.publishedAt) <= now)
    .sort((a, b) => Date.parse(b.publishedAt!) - Date.parse(a.publishedAt!))
}
