/**
 * Query plans of what the routes really send: the app is built in-process on a database whose Drizzle
 * logger records every statement, each request is injected once, and each SELECT it sent is EXPLAINed with
 * its parameters. No copy of a query is kept here, so the plans follow the query functions as they change.
 */
import type { FastifyInstance } from 'fastify'
import type pg from 'pg'

export interface Statement { sql: string; params: unknown[] }

/** Collects statements from `createDb({ onQuery })`; `take` returns those since the last take. */
export class QueryRecorder {
  private statements: Statement[] = []
  readonly onQuery = (sql: string, params: unknown[]) => {
    this.statements.push({ sql, params })
  }

  take(): Statement[] {
    const taken = this.statements
    this.statements = []
    return taken
  }
}

export interface StatementPlan extends Statement {
  plan: string[]
  /** A sequential scan of the posts table anywhere in the plan. */
  seqScanOnPosts: boolean
  /** `index on table` for every index the plan reads. */
  indexes: string[]
  /** With ANALYZE: the execution time PostgreSQL reports. */
  executionMs?: number
}

export interface RequestPlans { label: string; url: string; status: number; scanExpected?: string; statements: StatementPlan[] }

const SEQ_SCAN_ON_POSTS = /Seq Scan on posts(?!\w)/
const INDEX_SCAN = /(?:Index Only Scan|Index Scan)(?: Backward)? using (\S+) on (\S+)|Bitmap Index Scan on (\S+)/g

export function indexesIn(plan: string[]): string[] {
  const found = new Set<string>()
  for (const line of plan) for (const m of line.matchAll(INDEX_SCAN)) found.add(m[3] ?? `${m[1]} on ${m[2]}`)
  return [...found]
}

export async function explain(pool: pg.Pool, statement: Statement, analyze: boolean): Promise<StatementPlan> {
  const options = analyze ? '(analyze, buffers)' : ''
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`explain ${options} ${statement.sql}`, statement.params)
  const plan = rows.map((r) => r['QUERY PLAN'])
  const execution = plan.map((l) => /^Execution Time: ([\d.]+) ms/.exec(l)).find(Boolean)
  return {
    ...statement,
    plan,
    seqScanOnPosts: plan.some((l) => SEQ_SCAN_ON_POSTS.test(l)),
    indexes: indexesIn(plan),
    ...(execution ? { executionMs: Number(execution[1]) } : {}),
  }
}

/**
 * Injects each request once and explains the reads it sent. The app must have been built on a database
 * whose logger is `recorder.onQuery`; `pool` is any connection to the same database.
 */
export async function planRequests(
  app: FastifyInstance,
  recorder: QueryRecorder,
  pool: pg.Pool,
  requests: { label: string; url: string; scanExpected?: string }[],
  options: { analyze?: boolean } = {},
): Promise<RequestPlans[]> {
  const plans: RequestPlans[] = []
  for (const { label, url, scanExpected } of requests) {
    recorder.take()
    const response = await app.inject({ method: 'GET', url })
    const statements = recorder.take().filter((s) => /^\s*(select|with)\b/i.test(s.sql))
    const explained: StatementPlan[] = []
    for (const statement of statements) explained.push(await explain(pool, statement, options.analyze ?? false))
    plans.push({ label, url, status: response.statusCode, ...(scanExpected ? { scanExpected } : {}), statements: explained })
  }
  return plans
}

/** The first line of a plan with its costs and timings cut, e.g. `Limit`, `Aggregate`, `Index Scan using x on posts`. */
export function planHeadline(plan: string[]): string {
  return (plan[0] ?? '').replace(/\s+\(cost=.*$/, '').replace(/\s+\(actual .*$/, '').trim()
}

/**
 * A known reason a statement cannot use the listing indexes: they are `DESC NULLS LAST` (drizzle-kit's
 * default for `.desc()`), while `ORDER BY x DESC` sorts nulls first and `ORDER BY x ASC` last, so neither
 * direction of the index gives the order and PostgreSQL sorts every matching row instead.
 */
export function nullsOrderMismatch(sql: string): string | undefined {
  const m = /order by "posts"\."(published_at|updated_at)" (desc|asc)(?! nulls)/i.exec(sql)
  if (!m) return undefined
  return `ORDER BY ${m[1]} ${m[2]!.toUpperCase()} puts nulls ${m[2]!.toLowerCase() === 'desc' ? 'first' : 'last'}, but the index on it is DESC NULLS LAST: ` +
    `it cannot give this order (write ${m[2]!.toLowerCase() === 'desc' ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}, or index without NULLS LAST)`
}
