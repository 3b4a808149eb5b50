import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { renderMarkdown } from '../../content/markdown.js'
import { NotFoundError, PROBLEMS, type ProblemName } from '../../lib/errors.js'

/** A problem type's page: its title, status and when it is answered, as a small HTML document. */
function problemPage(name: string): string | undefined {
  if (!Object.hasOwn(PROBLEMS, name)) return undefined
  const { title, status, when } = PROBLEMS[name as ProblemName]
  // The text is this module's own Markdown (backticks for names): rendered, never taken from a request.
  return [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>`,
    `<h1>${title}</h1>`,
    `<p>HTTP ${status}, answered as <code>application/problem+json</code> (RFC 9457) with this page's path as its <code>type</code>.</p>`,
    renderMarkdown(`When ${when}.`).trim(),
    '</body></html>',
  ].join('\n')
}

/**
 * The pages the problem `type` URIs lead to (`/problems/not-found` ...): they are relative references, so
 * a client resolves them against this API. Not in the OpenAPI document: they are for people, not clients.
 */
export const problemRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/problems/:name', {
    schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 100 }) }, { additionalProperties: false }) },
  }, async (request, reply) => {
    const page = problemPage(request.params.name)
    if (!page) throw new NotFoundError(`No problem type is named "${request.params.name}"`)
    return reply.type('text/html; charset=utf-8').send(page)
  })
}
