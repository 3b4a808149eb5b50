import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { BadRequestError, InvalidFieldsError, queryParameterError } from './errors.js'

export type CursorValue = string | number | null

/**
 * Where a keyset page starts: the rows after these sort values (a row's keyset: the last row of the page
 * before), or the rows before them (the first row of the page after), in the list's order; `inclusive`, the
 * row with these values too (the way back from an empty page, whose neighbours' rows may be gone).
 */
export interface Keyset { values: CursorValue[]; before: boolean; inclusive?: boolean }

/**
 * Opaque keyset cursors: a row's sort values and the way to go from it (after it, or before it), bound to
 * the sort and the filters they came from, signed with HMAC-SHA256. A cursor that was altered, forged, or
 * used with other filters is a 400.
 */
export class CursorCodec {
  constructor(private readonly secret: Buffer) {}

  encode(scope: string, { values, before, inclusive }: Keyset): string {
    const body = Buffer.from(JSON.stringify({ s: scope, v: values, ...(before ? { b: 1 } : {}), ...(inclusive ? { i: 1 } : {}) })).toString('base64url')
    return `${body}.${this.sign(body)}`
  }

  decode(scope: string, token: string): Keyset {
    const [body, signature, extra] = token.split('.')
    const expected = body ? this.sign(body) : ''
    if (!body || !signature || extra !== undefined || signature.length !== expected.length ||
      !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
      throw queryParameterError(BadRequestError, 'cursor', 'is not one this API issued (it was altered or truncated)')
    }
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { s: string; v: CursorValue[]; b?: 1; i?: 1 }
    if (payload.s !== scope) throw queryParameterError(BadRequestError, 'cursor', 'belongs to another sort or other filters: start again without it')
    return { values: payload.v, before: payload.b === 1, inclusive: payload.i === 1 }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url')
  }
}

/** Keyset paging and counting, as a list query takes them. */
export interface KeysetOptions {
  /** Start after (or end before) a row's sort values instead of at the page's offset. */
  keyset?: Keyset
  /** Count the matches too; false skips it. */
  count?: boolean
}

/**
 * Where a list request starts: at the keyset its cursor holds (decoded for `scope`), or, without one, at its
 * page. A cursor and a page together are the client's error, and so is one holding other than `arity`
 * values: signed by this service, but by a version whose keysets were another shape (the key outlives deploys).
 */
export function requestedKeyset(cursors: CursorCodec, scope: string, query: { page?: number; cursor?: string }, arity: number): Keyset | undefined {
  if (query.cursor === undefined) return undefined
  if (query.page !== undefined) throw new InvalidFieldsError([{ in: 'query', name: '/cursor', message: 'cannot be given with page: give one or the other' }])
  const keyset = cursors.decode(scope, query.cursor)
  const { values } = keyset
  if (!Array.isArray(values) || values.length !== arity || !values.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) {
    throw queryParameterError(BadRequestError, 'cursor', 'is from an older version of this list: start again without it')
  }
  return keyset
}

/** What a list query tells of a page, for its cursors: its rows, and whether rows follow it and precede it. */
export interface PageOfRows<Row> { rows: Row[]; hasMore: boolean; hasPrevious?: boolean; total?: number }

/**
 * A page's cursors, made from its rows (`keysetOfRow`, as the list orders them): the next page's, after its
 * last row, if more follow, and, on a page reached by cursor (`requested`), the previous page's, before its
 * first row, if rows precede it. Null where there is no such page. A page reached by cursor may be empty
 * (what lay beyond the cursor was deleted): the way back starts at the cursor's own values, the row there
 * included, unless the list is empty.
 */
export function pageCursors<Row>(
  cursors: CursorCodec, scope: string, page: PageOfRows<Row>, keysetOfRow: (row: Row) => CursorValue[], requested: Keyset | undefined,
): { nextCursor: string | null; prevCursor: string | null } {
  const { rows, hasMore, hasPrevious = false, total } = page
  const [first, last] = [rows[0], rows.at(-1)]
  if (first === undefined || last === undefined) {
    if (!requested || total === 0) return { nextCursor: null, prevCursor: null }
    const back = cursors.encode(scope, { values: requested.values, before: !requested.before, inclusive: true })
    return requested.before ? { nextCursor: back, prevCursor: null } : { nextCursor: null, prevCursor: back }
  }
  return {
    nextCursor: hasMore ? cursors.encode(scope, { values: keysetOfRow(last), before: false }) : null,
    prevCursor: requested && hasPrevious ? cursors.encode(scope, { values: keysetOfRow(first), before: true }) : null,
  }
}

/** A short, stable name for a query's sort and filters, so a cursor only continues the list it came from. */
export function cursorScope(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16)
}
