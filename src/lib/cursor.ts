import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { BadRequestError, InvalidFieldsError } from './errors.js'

export type CursorValue = string | number | null

/**
 * Opaque keyset cursors: the last row's sort values, bound to the sort and the filters they came from,
 * signed with HMAC-SHA256. A cursor that was altered, forged, or used with other filters is a 400.
 */
export class CursorCodec {
  constructor(private readonly secret: Buffer) {}

  encode(scope: string, values: CursorValue[]): string {
    const body = Buffer.from(JSON.stringify({ s: scope, v: values })).toString('base64url')
    return `${body}.${this.sign(body)}`
  }

  decode(scope: string, token: string): CursorValue[] {
    const [body, signature, extra] = token.split('.')
    const expected = body ? this.sign(body) : ''
    if (!body || !signature || extra !== undefined || signature.length !== expected.length ||
      !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
      throw new BadRequestError('cursor is not one this API issued (it was altered or truncated)')
    }
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { s: string; v: CursorValue[] }
    if (payload.s !== scope) throw new BadRequestError('cursor belongs to another sort or other filters: start again without it')
    return payload.v
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url')
  }
}

/** Keyset paging and counting, as a list query takes them. */
export interface KeysetOptions {
  /** Start after these sort values (a row's keyset) instead of at the page's offset. */
  after?: CursorValue[]
  /** Count the matches too; false skips it. */
  count?: boolean
}

/**
 * Where a list request starts: after the keyset values its cursor holds (decoded for `scope`), or, without
 * one, at its page. A cursor and a page together are the client's error, and so is one holding other than
 * `arity` values: signed by this service, but by a version whose keysets were another shape (the key
 * outlives deploys).
 */
export function keysetAfter(cursors: CursorCodec, scope: string, query: { page?: number; cursor?: string }, arity: number): CursorValue[] | undefined {
  if (query.cursor === undefined) return undefined
  if (query.page !== undefined) throw new InvalidFieldsError([{ in: 'query', name: '/cursor', message: 'cannot be given with page: give one or the other' }])
  const values = cursors.decode(scope, query.cursor)
  if (!Array.isArray(values) || values.length !== arity || !values.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) {
    throw new BadRequestError('cursor is from an older version of this list: start again without it')
  }
  return values
}

/** A short, stable name for a query's sort and filters, so a cursor only continues the list it came from. */
export function cursorScope(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16)
}
