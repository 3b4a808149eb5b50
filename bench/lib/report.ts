/** The bench's verdicts and its printed forms: a terminal table, the goals, and bench/RESULTS.md. */
import type { Burst } from './burst.js'
import type { Measurement } from './measure.js'
import { planHeadline, type RequestPlans } from './plans.js'

export interface Row extends Partial<Measurement> {
  name: string
  /** Why the scenario was not run (a feature missing from this build). */
  skipped?: string
  /** The server's resident memory when the scenario ended. */
  serverRssBytes?: number
}

export interface Goal { goal: string; actual: string; pass: boolean | undefined }

export interface Memory { peakBytes: number; lastBytes: number }

const MB = 1_048_576
const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(1)} ms`)

/** Named rows the goals refer to. */
export const ROW = {
  baseline: 'baseline: bare Fastify, constant JSON',
  baselineAgain: 'baseline again, after the rest',
  page1Bytes: 'bare Fastify, the bytes of list page 1',
  postBytes: 'bare Fastify, the bytes of one post',
  feedBytes: 'bare Fastify, the bytes of /feed.xml',
  notModifiedHeaders: 'bare Fastify, a 304 with the headers of /feed.xml\'s',
  page1CodedBytes: 'bare Fastify, the compressed bytes of list page 1',
  feedCodedBytes: 'bare Fastify, the compressed bytes of /feed.xml',
  page1: 'list page 1',
  page1Uncounted: 'list page 1, count=false',
  page1DraftSaves: 'list page 1, a draft saved every 100 ms',
  page1PublicEdits: 'list page 1, an old post edited every 100 ms',
  deepOffset: 'deep page (offset)',
  deepCursor: 'deep page (cursor)',
  deepCursorUncounted: 'deep page (cursor, count=false)',
  tag: 'tag filter (most used tag)',
  slug: 'post by slug (random)',
  search: 'search (random terms)',
  tags: 'tags with counts',
  archive: 'archive months',
  feed: '/feed.xml (200)',
  feed304: '/feed.xml If-None-Match (304)',
  page1Coded: 'list page 1, compressed',
  slugCoded: 'post by slug (random), compressed',
  feedCoded: '/feed.xml (200), compressed',
} as const

/**
 * The scenarios whose goal is a ratio to the baseline's req/s. Each is measured by turns with a baseline run
 * of its own (measureAlternating), and its goal is read against that one.
 */
export const RATIO_GOALS: { name: string; min: number; sameBytes: string }[] = [
  { name: ROW.slug, min: 0.5, sameBytes: ROW.postBytes },
  { name: ROW.page1, min: 0.5, sameBytes: ROW.page1Bytes },
  { name: ROW.feed, min: 0.4, sameBytes: ROW.feedBytes },
  { name: ROW.feed304, min: 0.8, sameBytes: ROW.notModifiedHeaders },
]

/** The row of the baseline run by turns with `name`. */
export const baselineBy = (name: string) => `baseline, by turns with "${name}"`

/**
 * The baseline's req/s: the better of its two runs (first and last), so that a slow moment of a shared
 * machine during one of them does not flatter every ratio.
 */
export function baselineRps(rows: Row[]): number | undefined {
  const runs = rows.filter((r) => (r.name === ROW.baseline || r.name === ROW.baselineAgain) && r.rps !== undefined).map((r) => r.rps!)
  return runs.length ? Math.max(...runs) : undefined
}

/** The baseline's CPU per request: the cheaper of its two runs. */
function baselineCpu(rows: Row[]): number | undefined {
  const runs = rows.filter((r) => (r.name === ROW.baseline || r.name === ROW.baselineAgain) && r.cpuPerRequestUs !== undefined).map((r) => r.cpuPerRequestUs!)
  return runs.length ? Math.min(...runs) : undefined
}

// A scenario that got errors (429, 503, timeouts) meets no goal, however fast the rest was.
const failed = (r: Row) => (r.failures ? `, ${r.failures} unexpected responses` : '')

/** What the goals are read with: the machine's cores, the load's connections, the server's memory. */
export interface GoalContext { cores: number; connections: number; server: Memory; limitMb?: number }

export function evaluateGoals(rows: Row[], { cores, connections, server, limitMb = 250 }: GoalContext): Goal[] {
  const row = (name: string) => rows.find((r) => r.name === name && r.skipped === undefined && r.rps !== undefined)
  const baseline = baselineRps(rows)
  // The most req/s the machine's cores allow a scenario whose responses each take PostgreSQL this much CPU,
  // were the server and the load generator free: PostgreSQL's share alone, as a ceiling on the ratio.
  const databaseCeiling = (r: Row) => {
    const us = r.databaseCpuPerRequestUs
    if (us === undefined || us < 1 || !baseline) return ''
    const rps = (cores * 1e6) / us
    return `; PostgreSQL's ${us.toFixed(0)} µs of CPU per response alone holds ${cores} cores to ${rps.toFixed(0)} req/s, ${(rps / baseline).toFixed(2)} × the best`
  }
  // The goal's ratio is to the baseline run by turns with the scenario, under the same share of a machine
  // whose other tenants come and go; each turn's ratio shows how much that share moved. The ratio to the
  // run's best baseline (first or last) is shown beside it.
  const ratioGoal = ({ name, min, sameBytes }: (typeof RATIO_GOALS)[number]): Goal => {
    const r = row(name)
    const paired = row(baselineBy(name))
    const goal = `${name}: ≥ ${min} × baseline req/s`
    if (!r || !baseline) return { goal, actual: 'n/a', pass: undefined }
    const ratio = r.rps! / (paired?.rps ?? baseline)
    const byTurn = paired?.runs && r.runs ? r.runs.map((rps, i) => (rps / paired.runs![i]!).toFixed(2)) : []
    const against = paired
      ? `${ratio.toFixed(2)} × the baseline run by turns with it (${r.rps!.toFixed(0)} / ${paired.rps!.toFixed(0)} req/s` +
        `${byTurn.length ? `; turns ${byTurn.join(', ')}` : ''}); ${(r.rps! / baseline).toFixed(2)} × the run's best`
      : `${ratio.toFixed(2)} × (${r.rps!.toFixed(0)} req/s)`
    // What a bare server sending the same bytes reaches: the ceiling that the response's size sets.
    const bare = row(sameBytes)?.rps
    const ceiling = bare ? `; the same response from bare Fastify: ${(bare / baseline).toFixed(2)} × the best, of which this is ${(r.rps! / bare).toFixed(2)}` : ''
    return { goal, actual: `${against}${failed(r)}${ceiling}${databaseCeiling(r)}`, pass: ratio >= min && !r.failures }
  }
  const cursorGoal = (cursor: string, page: string): Goal => {
    const c = row(cursor)
    const p = row(page)
    const goal = `${cursor}: p99 ≤ 1.5 × ${page} p99`
    if (!c || !p) return { goal, actual: `n/a${rows.find((r) => r.name === cursor)?.skipped ? ` (${rows.find((r) => r.name === cursor)!.skipped})` : ''}`, pass: undefined }
    return { goal, actual: `${ms(c.p99)} vs ${ms(p.p99)} (${(c.p99! / p.p99!).toFixed(2)} ×)${failed(c)}${failed(p)}`, pass: c.p99! <= 1.5 * p.p99! && !c.failures && !p.failures }
  }
  const search = row(ROW.search)
  // With `connections` requests always in flight, each needing this much CPU of the server and PostgreSQL
  // together, the mean wait cannot be shorter than all of them shared out over the cores (Little's law).
  const searchFloor = search?.cpuPerRequestUs !== undefined && search.databaseCpuPerRequestUs !== undefined
    ? `; the server's ${ms(search.cpuPerRequestUs / 1000)} and PostgreSQL's ${ms(search.databaseCpuPerRequestUs / 1000)} of CPU per search, ` +
      `${connections} at a time on ${cores} cores, make a mean of at least ${ms((connections * (search.cpuPerRequestUs + search.databaseCpuPerRequestUs)) / cores / 1000)}`
    : ''
  return [
    ...RATIO_GOALS.map(ratioGoal),
    cursorGoal(ROW.deepCursor, ROW.page1),
    cursorGoal(ROW.deepCursorUncounted, ROW.page1Uncounted),
    { goal: `${ROW.search}: p99 < 30 ms`, actual: search ? `${ms(search.p99)} (mean ${ms(search.mean)})${failed(search)}${searchFloor}` : 'n/a', pass: search ? search.p99! < 30 && !search.failures : undefined },
    { goal: `server peak RSS < ${limitMb} MB`, actual: `${(server.peakBytes / MB).toFixed(0)} MB`, pass: server.peakBytes < limitMb * MB },
  ]
}

function grid(head: string[], cells: string[][], align: ('l' | 'r')[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: string[]) => `| ${c.map((v, i) => (align[i] === 'r' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ')} |`
  const rule = `| ${widths.map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`
  return [line(head), rule, ...cells.map(line)]
}

export function resultsTable(rows: Row[]): string {
  const baseline = baselineRps(rows)
  const cpu = baselineCpu(rows)
  const cells = rows.map((r) => {
    if (r.skipped) return [r.name, 'n/a', '', '', '', '', '', '', '', '', r.skipped]
    const statuses = Object.entries(r.statuses ?? {}).map(([code, n]) => `${code}×${n}`).join(' ')
    return [
      r.name,
      r.rps!.toFixed(0),
      ms(r.p50),
      ms(r.p99),
      baseline ? `${(r.rps! / baseline).toFixed(2)}` : '–',
      r.cpuPerRequestUs !== undefined ? `${r.cpuPerRequestUs.toFixed(0)} µs` : '–',
      r.cpuPerRequestUs !== undefined && cpu ? `${(r.cpuPerRequestUs / cpu).toFixed(1)}` : '–',
      r.databaseCpuPerRequestUs !== undefined ? `${r.databaseCpuPerRequestUs.toFixed(0)} µs` : '–',
      r.distinctPaths! > 1 ? String(r.distinctPaths) : '1',
      r.serverRssBytes ? `${(r.serverRssBytes / MB).toFixed(0)} MB` : '–',
      `${statuses}${r.failures ? ` (${r.failures} unexpected)` : ''}`,
    ]
  })
  const head = ['scenario', 'req/s', 'p50', 'p99', '× baseline', 'CPU / request', '× baseline CPU', 'PostgreSQL CPU / request', 'URLs', 'server RSS after', 'responses']
  return grid(head, cells, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l']).join('\n')
}

export function goalsTable(goals: Goal[]): string {
  const verdict = (g: Goal) => (g.pass === undefined ? 'n/a' : g.pass ? 'met' : 'MISSED')
  return grid(['goal', 'measured', ''], goals.map((g) => [g.goal, g.actual, verdict(g)]), ['l', 'l', 'l']).join('\n')
}

/** One line per statement: which read, the plan's top node, the indexes it reads, a posts Seq Scan, the time. */
export function plansTable(plans: RequestPlans[]): string {
  const cells = plans.flatMap((p) => p.statements.map((s, i) => [
    i === 0 ? `${p.label}${p.status === 200 ? '' : ` (${p.status})`}` : '',
    planHeadline(s.plan),
    s.indexes.join(', ') || '–',
    s.seqScanOnPosts ? 'SEQ SCAN on posts' : '',
    ms(s.executionMs),
  ]))
  return grid(['read', 'plan', 'indexes', '', 'exec'], cells, ['l', 'l', 'l', 'l', 'r']).join('\n')
}

/** One line on a burst of readers after a change: how long each round took, and the statuses. */
export function burstLine(b: Burst): string {
  const statuses = Object.entries(b.statuses).map(([code, n]) => `${code}×${n}`).join(' ')
  return `burst after a change: ${b.readers} readers of each of ${b.urls.join(', ')} at once, all answered in ` +
    `${b.roundsMs.map((t) => `${t.toFixed(0)} ms`).join(', ')} (${b.roundsMs.length} rounds); ${statuses}`
}

export interface Report {
  command: string
  startedAt: string
  environment: Record<string, string>
  archive: Record<string, number>
  options: Record<string, unknown>
  rows: Row[]
  goals: Goal[]
  memory: { server: Memory; baseline: Memory }
  burst?: Burst
  notes: string[]
  plans: RequestPlans[]
}

export function markdownReport(r: Report): string {
  const env = Object.entries(r.environment).map(([k, v]) => `${k}: ${v}`).join('; ')
  const fullPlans = r.plans.flatMap((p) => p.statements.map((s, i) =>
    `<details><summary>${p.label} (${i + 1}/${p.statements.length}): ${planHeadline(s.plan)}</summary>\n\n\`\`\`sql\n${s.sql}\n-- params: ${JSON.stringify(s.params)}\n\`\`\`\n\n\`\`\`\n${s.plan.join('\n')}\n\`\`\`\n\n</details>`))
  return [
    '# Bench results',
    '',
    `Written by \`${r.command}\` on ${r.startedAt}. ${env}.`,
    '',
    `Archive: ${Object.entries(r.archive).map(([k, v]) => `${v} ${k}`).join(', ')}. ` +
      `Load: ${Object.entries(r.options).map(([k, v]) => `${k} ${String(v)}`).join(', ')}.`,
    '',
    resultsTable(r.rows),
    '',
    'CPU / request: the CPU time (user and system, from /proc) the answering Node process spent per response ' +
      'while the scenario ran, PostgreSQL\'s own work not included. The load generator shares the machine: ' +
      'where it, not the server, is the bottleneck (small or large bodies), req/s measures it as much as the ' +
      'server, and this column does not. PostgreSQL CPU / request: the same for all of the database server\'s ' +
      'processes (autovacuum and any other database\'s work included), when it runs on this machine; a backend ' +
      'that exits during a scenario takes its share with it.',
    '',
    `Server peak RSS (VmHWM): ${(r.memory.server.peakBytes / MB).toFixed(0)} MB, ${(r.memory.server.lastBytes / MB).toFixed(0)} MB at the end; ` +
      `baseline peak ${(r.memory.baseline.peakBytes / MB).toFixed(0)} MB.`,
    '',
    ...(r.burst ? [burstLine(r.burst), ''] : []),
    '## Goals',
    '',
    goalsTable(r.goals),
    '',
    ...(r.notes.length ? ['## Notes', '', ...r.notes.map((n) => `- ${n}`), ''] : []),
    '## Query plans',
    '',
    'Each read injected once into the app built in-process on the same database; every SELECT it sent, EXPLAINed (ANALYZE, BUFFERS) with its parameters.',
    '',
    plansTable(r.plans),
    '',
    ...fullPlans,
    '',
  ].join('\n')
}
