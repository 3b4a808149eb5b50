import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { InvalidFieldsError } from '../lib/errors.js'
import type { ContentAnswer, ContentJob } from './content-worker.js'
import type { PostBody, PreparedContent } from './prepare.js'

/**
 * The memory a body may take to prepare. The Markdown renderer's time and memory grow with the cube of how
 * deep lists nest: a body of half a megabyte can keep it busy for minutes and take gigabytes. A real post
 * takes milliseconds and a few megabytes.
 */
export const PREPARE_HEAP_LIMIT_MB = 128

type Pending = ContentJob & { resolve: (content: PreparedContent) => void; reject: (error: Error) => void }
type Running = { job: Pending; worker: Worker; timer: NodeJS.Timeout | undefined }

// The worker's own file, as this one is run: .ts under the tests' loader, .js when built. Node 20 does not run
// a worker under its parent's loader: from TypeScript (the tests, `npm run dev`), the worker registers tsx
// itself before loading its file. Dynamic imports only, so that the code runs as a script or as a module.
const workerFile = new URL(`./content-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href
const BOOT = `
import('node:worker_threads').then(async ({ workerData }) => {
  if (workerData.entry.endsWith('.ts')) (await import('tsx/esm/api')).register()
  await import(workerData.entry)
})
`

/**
 * Prepares the write API's post bodies (renders, sanitises, measures them: prepareContent) in a worker
 * thread, one at a time, so that no body holds up the requests the server is answering meanwhile. A body
 * that takes longer than the time limit or more than PREPARE_HEAP_LIMIT_MB, or that the renderer fails on,
 * is refused with a 400 naming the field, and the worker is replaced. The worker starts on the first write,
 * and keeps the process alive only while it has a body to prepare.
 */
export class ContentPreparer {
  #worker: Worker | undefined
  /** Whether the worker has loaded its code: a body's time runs from then. */
  #ready = false
  #queue: Pending[] = []
  #running: Running | undefined

  constructor(private readonly timeLimitMs: number) {}

  prepare(body: PostBody, customExcerpt: string | null | undefined): Promise<PreparedContent> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ body, customExcerpt, resolve, reject })
      this.#next()
    })
  }

  /** Stops the worker; bodies still waiting fail. */
  async close(): Promise<void> {
    const worker = this.#worker
    this.#worker = undefined
    for (const job of this.#queue.splice(0)) job.reject(new Error('The server is closing'))
    if (worker) {
      this.#fail(worker, new Error('The server is closing'))
      await worker.terminate()
    }
  }

  #next(): void {
    if (this.#running) return
    const job = this.#queue.shift()
    // Idle, the worker does not keep the process alive; busy, it does (until then, nothing else might).
    if (!job) return void this.#worker?.unref()
    const worker = this.#worker ?? this.#start()
    worker.ref()
    this.#running = { job, worker, timer: undefined }
    if (this.#ready) this.#startClock()
    worker.postMessage({ body: job.body, customExcerpt: job.customExcerpt } satisfies ContentJob)
  }

  #startClock(): void {
    const running = this.#running!
    running.timer = setTimeout(() => this.#fail(running.worker, `it took longer than ${this.timeLimitMs} ms`), this.timeLimitMs)
  }

  #start(): Worker {
    const worker = new Worker(BOOT, { eval: true, workerData: { entry: workerFile }, resourceLimits: { maxOldGenerationSizeMb: PREPARE_HEAP_LIMIT_MB } })
    this.#ready = false
    worker.on('message', (answer: ContentAnswer) => {
      if ('ready' in answer) {
        if (this.#worker !== worker) return
        this.#ready = true
        if (this.#running?.worker === worker) this.#startClock()
        return
      }
      const running = this.#finish(worker)
      if (!running) return
      if (answer.ok) running.job.resolve(answer.content)
      else running.job.reject(refusal(running.job.body, answer.message))
      this.#next()
    })
    // Out of memory, or gone for any reason: what it was preparing is refused, and the next body starts
    // another. A worker that could not start is the server's fault, not the body's: a 500 (and logged).
    worker.on('error', (error: Error & { code?: string }) => {
      if (!this.#ready) return this.#fail(worker, new Error(`The content worker could not start: ${error.message}`, { cause: error }))
      this.#fail(worker, error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `it needed more than ${PREPARE_HEAP_LIMIT_MB} MB` : error.message)
    })
    worker.on('exit', () => this.#fail(worker, 'the worker stopped'))
    this.#worker = worker
    return worker
  }

  /** The body the worker was preparing, if it still was: its timer stopped. */
  #finish(worker: Worker): Running | undefined {
    const running = this.#running
    if (running?.worker !== worker) return undefined
    clearTimeout(running.timer)
    this.#running = undefined
    return running
  }

  /** The worker is replaced; the body it was preparing is refused for `why`, or fails with the error. */
  #fail(worker: Worker, why: string | Error): void {
    if (this.#worker === worker) {
      this.#worker = undefined
      void worker.terminate()
    }
    const running = this.#finish(worker)
    if (!running) return
    running.job.reject(typeof why === 'string' ? refusal(running.job.body, why) : why)
    this.#next()
  }
}

function refusal(body: PostBody, why: string): InvalidFieldsError {
  return new InvalidFieldsError([{
    in: 'body',
    name: body.markdown !== undefined ? '/markdown' : '/html',
    message: `could not be rendered (${why}): lists or quotes nested hundreds deep are the usual cause`,
  }])
}
