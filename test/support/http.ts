import type { FastifyInstance } from 'fastify'

/** A GET as the tests make it: the injected response and its body read as JSON. */
export function jsonGetter(app: FastifyInstance) {
  return async (url: string) => {
    const res = await app.inject(url)
    return { res, status: res.statusCode, body: res.json() }
  }
}
