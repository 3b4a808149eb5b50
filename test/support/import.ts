import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { root } from '../helper.js'

export const FORMATS = ['rss', 'atom', 'wxr'] as const
export type ImportFormat = (typeof FORMATS)[number]

/** The blog exports written for these tests: one per format, each with a bad item among good ones. */
export function fixturePath(format: ImportFormat): string {
  return join(root, 'test/fixtures/import', `blog.${format}.xml`)
}

export function fixture(format: ImportFormat): string {
  return readFileSync(fixturePath(format), 'utf8')
}
