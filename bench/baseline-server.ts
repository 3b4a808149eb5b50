import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

// The baseline the figures are read against: a bare Fastify server on the same machine answering a small
// constant JSON body, in a process of its own just like the server under test. Nothing of it is in the
// production app.
const app = Fastify({ logger: false })
app.get('/', async () => ({ ok: true, service: 'baseline' }))

// And, when given (BASELINE_BODIES: JSON of path → { file, type, encoding? }), constant bodies of a given size:
// the bytes of a large response of the server under test (compressed, with its Content-Encoding), to show
// what sending that much costs by itself.
const bodies = JSON.parse(process.env.BASELINE_BODIES ?? '{}') as Record<string, { file: string; type: string; encoding?: string }>
for (const [path, { file, type, encoding }] of Object.entries(bodies)) {
  const body = readFileSync(file)
  app.get(path, (_request, reply) => (encoding ? reply.header('content-encoding', encoding) : reply).type(type).send(body))
}

// And (BASELINE_NOT_MODIFIED: JSON of path → headers) a 304 carrying the headers of one of the server's.
const notModified = JSON.parse(process.env.BASELINE_NOT_MODIFIED ?? '{}') as Record<string, Record<string, string>>
for (const [path, headers] of Object.entries(notModified)) {
  app.get(path, (_request, reply) => reply.code(304).headers(headers).send())
}

const port = Number(process.env.PORT ?? 0)
const address = await app.listen({ port, host: '127.0.0.1' })
process.stdout.write(`${address}\n`)
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void app.close().then(() => process.exit(0)))
