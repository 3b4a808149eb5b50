import type { FastifyReply, FastifyRequest, preParsingAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { UnauthorizedError } from '../lib/errors.js'
import { looksLikeApiKey } from '../modules/apikeys/keys.js'
import { findActiveApiKey, touchApiKey, type ApiKeyRow } from '../modules/apikeys/queries.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key the request authenticated with, if any. */
    apiKey: ApiKeyRow | null
  }
  interface FastifyInstance {
    /**
     * The preParsing hook of every write: the request must carry a valid key. After the rate limit (a
     * route's onRequest hooks, the rate limit's among them, run after the instance's) and before the body
     * is read, so without a valid key a write is a 401 whatever its body, which is never parsed.
     */
    requireWriteKey: preParsingAsyncHookHandler
    /** A hook (preHandler, for reads): a key is optional, but a Bearer one that is sent must be valid. */
    acceptApiKey: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

/** The OpenAPI security requirement of every write operation. */
export const bearerSecurity = [{ bearerAuth: [] }]

/** Every read's: no key (`{}`) or a valid one (see acceptApiKey, which answers 401 to any other Bearer key). */
export const readSecurity = [{}, ...bearerSecurity]

/**
 * `Authorization: Bearer <key>` against the stored key hashes. A missing or bad key answers 401 with
 * `WWW-Authenticate` (RFC 6750), rendered as problem+json by the errors plugin.
 */
export const authPlugin = fp(
  async (app) => {
    app.decorateRequest('apiKey', null)

    async function authenticate(request: FastifyRequest, reply: FastifyReply, required: boolean) {
      const header = request.headers.authorization
      // A read takes a key or none: credentials of another scheme are not for the API (a browser sends its
      // Basic ones for a staging site's login with every request to it), and a read goes on without them.
      if (!header || (!required && !/^Bearer(\s|$)/i.test(header))) {
        if (!required) return
        reply.header('www-authenticate', 'Bearer realm="quire"')
        throw new UnauthorizedError('This operation needs an API key: send Authorization: Bearer <key>')
      }
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
      const row = match && looksLikeApiKey(match[1]!) ? await findActiveApiKey(app.db, match[1]!) : undefined
      if (!row) {
        reply.header('www-authenticate', 'Bearer realm="quire", error="invalid_token"')
        throw new UnauthorizedError('The API key is missing, malformed, unknown or revoked')
      }
      request.apiKey = row
      await touchApiKey(app.db, row.id)
    }

    app.decorate<preParsingAsyncHookHandler>('requireWriteKey', async (request, reply, payload) => {
      await authenticate(request, reply, true)
      return payload
    })
    app.decorate('acceptApiKey', (request: FastifyRequest, reply: FastifyReply) => authenticate(request, reply, false))
  },
  { name: 'auth', dependencies: ['db'] },
)
