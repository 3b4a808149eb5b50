import { DrizzleQueryError } from 'drizzle-orm/errors'
import { pino } from 'pino'

type SerializedError = ReturnType<typeof pino.stdSerializers.err>

/**
 * pino's `err` serializer, but a failed query is logged with its statement and not its parameters: Drizzle
 * puts them in its error's message (and so its stack), and they hold what requests sent (an API key's hash,
 * a post's text). Every failed query of a database outage is logged at warn.
 */
export function loggedError(error: Error): SerializedError {
  const serialized = pino.stdSerializers.err(error)
  const parameters: string[] = []
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    // As DrizzleQueryError writes them into its message.
    if (e instanceof DrizzleQueryError) parameters.push(`\nparams: ${e.params}`)
  }
  if (parameters.length === 0) return serialized
  const withoutParameters = (text: string) => parameters.reduce((t, p) => t.split(p).join(''), text)
  const { params: _params, ...rest } = serialized
  return { ...rest, message: withoutParameters(rest.message), stack: withoutParameters(rest.stack) }
}
