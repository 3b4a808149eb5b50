import { parentPort } from 'node:worker_threads'
import { prepareContent, type PostBody } from './prepare.js'

// The worker thread of prepare-off-thread.ts: prepares one post body at a time, as it is asked.
export type ContentJob = { body: PostBody; customExcerpt: string | null | undefined }
export type ContentAnswer = { ok: true; content: ReturnType<typeof prepareContent> } | { ok: false; message: string } | { ready: true }

parentPort!.on('message', ({ body, customExcerpt }: ContentJob) => {
  let answer: ContentAnswer
  try {
    answer = { ok: true, content: prepareContent(body, customExcerpt) }
  } catch (error) {
    // Markdown nested thousands deep overflows the renderer's stack, for one.
    answer = { ok: false, message: error instanceof RangeError && /call stack/.test(error.message) ? "the renderer's stack overflowed" : (error as Error).message }
  }
  parentPort!.postMessage(answer)
})

parentPort!.postMessage({ ready: true } satisfies ContentAnswer)
