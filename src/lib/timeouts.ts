// The service's time limits, in the order they must fire: a request that waits on the database gets its
// 503 before the HTTP server gives up on the connection, which would leave the client with no answer at all.

/** How long the HTTP server waits on a connection that sends or receives nothing, and for a whole request. */
export const HTTP_TIMEOUT_MS = 30_000

/** PostgreSQL cancels a statement that runs longer (nobody would be there for the answer). */
export const STATEMENT_TIMEOUT_MS = 20_000

/** And the client gives up 5 s later, on a server that stopped answering without closing the connection. */
export const QUERY_TIMEOUT_MS = 25_000

/** A readiness probe answers within this, whatever the database does: an orchestrator's probe times out after a few seconds. */
export const READINESS_TIMEOUT_MS = 2_000
