import net from 'node:net'
import { createDb, type Database } from '../../src/db/client.js'

/**
 * A TCP proxy in front of PostgreSQL that a test can take down: `refuse()` cuts every connection and stops
 * listening (a stopped server: connection refused), `blackhole()` cuts every connection and then accepts
 * new ones without ever answering (a host gone behind a firewall: only a timeout notices), `freeze()` does
 * so keeping the connections open (a server hung mid-query), `resume()` forwards again, on the same port.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>()
  private server: net.Server | undefined
  private mode: 'forward' | 'blackhole' = 'forward'

  private constructor(private readonly target: { host: string; port: number }, public port = 0) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target)
    await proxy.listen()
    return proxy
  }

  private track(socket: net.Socket) {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }

  private listen(): Promise<void> {
    const server = net.createServer((client) => {
      this.track(client)
      if (this.mode === 'blackhole') return
      const upstream = net.connect(this.target.port, this.target.host)
      this.track(upstream)
      // Forwarded only while forwarding: frozen, what either side sends is dropped.
      client.on('data', (data) => { if (this.mode === 'forward') upstream.write(data) })
      upstream.on('data', (data) => { if (this.mode === 'forward') client.write(data) })
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    this.server = server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as net.AddressInfo).port
        resolve()
      })
    })
  }

  private cutAll() {
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
  }

  async refuse(): Promise<void> {
    const server = this.server
    this.server = undefined
    this.cutAll()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  async blackhole(): Promise<void> {
    this.mode = 'blackhole'
    this.cutAll()
    if (!this.server) await this.listen()
  }

  freeze(): void {
    this.mode = 'blackhole'
  }

  async resume(): Promise<void> {
    this.mode = 'forward'
    this.cutAll()
    if (!this.server) await this.listen()
  }

  async close(): Promise<void> {
    await this.refuse()
  }
}

/**
 * The database at `url` opened through a TcpProxy of its own, which the test can take down while its own
 * connections (to `url`) stay up. `close` closes the database, then the proxy.
 */
export async function proxiedDatabase(url: string): Promise<{ proxy: TcpProxy; database: Database; close: () => Promise<void> }> {
  const target = new URL(url)
  const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) })
  const proxied = new URL(url)
  proxied.hostname = '127.0.0.1'
  proxied.port = String(proxy.port)
  const database = await createDb({ databaseUrl: proxied.toString(), dataDir: '' })
  return {
    proxy,
    database,
    close: async () => {
      await database.close()
      await proxy.close()
    },
  }
}
