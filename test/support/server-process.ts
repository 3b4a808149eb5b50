import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'
import { builtEntryArgs, root } from '../helper.js'

export interface ServerProcess {
  child: ChildProcess
  port: number
  /** Every line the process wrote to stdout so far. */
  lines: string[]
  stderr: () => string
  /** Resolves with the first line (already written or still to come) that matches. */
  waitForLine: (match: (line: string) => boolean) => Promise<string>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * The real server (built, as `npm start` runs it: builtEntryArgs) as a child process on a free port,
 * with the given environment on top of a clean one (no DATABASE_URL unless given). Killed at teardown if
 * still running.
 */
export async function startServer(t: { teardown: (fn: () => unknown) => void }, env: Record<string, string>): Promise<ServerProcess> {
  const { DATABASE_URL: _db, TEST_DATABASE_URL: _test, ...inherited } = process.env
  const child = spawn(process.execPath, builtEntryArgs('server'), {
    cwd: root,
    env: { ...inherited, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  t.teardown(kill)
  // Also when tap ends this test process on a timeout, which skips teardowns: no server outlives its test.
  process.once('exit', kill)
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }))

  const lines: string[] = []
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = []
  let partial = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop()!
    for (const line of parts) {
      lines.push(line)
      for (const waiter of waiters.filter((w) => w.match(line))) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(line)
      }
    }
  })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))

  const waitForLine = (match: (line: string) => boolean) => {
    const seen = lines.find(match)
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise<string>((resolve, reject) => {
      waiters.push({ match, resolve })
      exited.then(({ code, signal }) => reject(new Error(`the server exited (${code ?? signal}) first; stderr:\n${stderr}\nstdout:\n${lines.join('\n')}`)))
    })
  }

  const listening = await waitForLine((line) => /listening at http:\/\/127\.0\.0\.1:\d+/.test(line))
  const port = Number(/listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(listening)![1])
  return { child, port, lines, stderr: () => stderr, waitForLine, exited }
}

/** Whether a new TCP connection to the port is refused, asking a few times while the server winds down. */
export async function refusesConnections(port: number): Promise<boolean> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(false)
      })
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'))
    })
    if (refused) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return false
}
