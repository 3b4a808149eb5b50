import Fastify from 'fastify'

// The baseline the feed figures are read against: a bare Fastify server on the same machine answering a
// small constant JSON body, in a process of its own just like the server under test. Nothing of it is in
// the production app.
const app = Fastify({ logger: false })
app.get('/', async () => ({ ok: true, service: 'baseline' }))

const port = Number(process.env.PORT ?? 0)
const address = await app.listen({ port, host: '127.0.0.1' })
process.stdout.write(`${address}\n`)
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void app.close().then(() => process.exit(0)))
