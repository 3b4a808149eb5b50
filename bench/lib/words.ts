/**
 * Deterministic text material for the synthetic archive: a seeded PRNG, a vocabulary whose first words are
 * real engineering terms and whose long tail is made-up words, and a Zipf sampler over it, so that word
 * frequencies (and so search selectivity) look like real prose: a few words are everywhere, most are rare.
 */

/** mulberry32: small, fast, and the same sequence on every machine for a given seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export type Random = () => number

export const int = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1))
export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!

const COMMON = `
service data system latency cache request database query index team deploy release cluster node queue event stream
message worker job schedule retry timeout error failure incident alert metric trace log dashboard pipeline build test
review code change branch merge rollback migration schema table column row transaction lock replica primary shard
partition throughput capacity load traffic region zone network packet route gateway proxy balancer client server api
endpoint contract version compatibility feature flag experiment rollout canary config secret key token auth session
user customer order shipment warehouse parcel driver vehicle fleet depot dispatch delivery tracking inventory pricing
invoice payment refund forecast model training inference search ranking recommendation storage bucket object blob file
disk memory cpu thread process container kubernetes pod image registry terraform module state backend frontend browser
render component bundle asset font layout accessibility mobile android ios offline sync conflict clock timestamp
ordering idempotency deduplication backpressure batching sampling profiling benchmark regression optimisation allocation
garbage collector heap stack compiler runtime interpreter typescript javascript rust golang python java kotlin postgres
kafka redis elasticsearch clickhouse snowflake airflow spark flink grafana prometheus opentelemetry sentry pagerduty
oncall runbook postmortem reliability availability durability consistency isolation serializable snapshot vacuum
autovacuum bloat toast wal checkpoint fsync replication failover election consensus raft paxos quorum lease heartbeat
gossip membership topology cell bulkhead circuit breaker fallback degradation chaos game day hiring onboarding mentoring
career architecture decision record design doc rfc tradeoff constraint budget cost savings efficiency carbon emissions
observability alerting paging toil automation platform golden path template scaffold monorepo workspace dependency
upgrade vulnerability patch audit compliance privacy gdpr encryption tls certificate rotation vault policy permission
role tenant isolation quota rate limiter bucket window sliding fixed jitter exponential backoff deadline cancellation
`.trim().split(/\s+/)

const ONSETS = ['b', 'br', 'c', 'cl', 'd', 'dr', 'f', 'g', 'gr', 'h', 'k', 'l', 'm', 'n', 'p', 'pl', 'qu', 'r', 's', 'st', 't', 'tr', 'v', 'w', 'z']
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'io', 'ou']
const CODAS = ['', '', 'n', 'r', 'l', 's', 'x', 'nd', 'rk', 'st']

/** `size` distinct words: the real terms first (the most frequent ranks), then made-up words. */
export function vocabulary(size = 8000, seed = 7): string[] {
  const random = prng(seed)
  const words = [...new Set(COMMON)]
  const seen = new Set(words)
  while (words.length < size) {
    let word = ''
    for (let s = int(random, 2, 4); s > 0; s--) word += pick(random, ONSETS) + pick(random, VOWELS)
    word += pick(random, CODAS)
    if (!seen.has(word)) {
      seen.add(word)
      words.push(word)
    }
  }
  return words
}

/** Draws ranks 0..n-1 with probability proportional to 1/(rank+1)^s (binary search over the cumulative weights). */
export function zipf(n: number, s = 1): (random: Random) => number {
  const cumulative = new Float64Array(n)
  let sum = 0
  for (let k = 0; k < n; k++) cumulative[k] = sum += 1 / (k + 1) ** s
  return (random) => {
    const target = random() * sum
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cumulative[mid]! < target) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

const FIRST_NAMES = ['Ada', 'Bola', 'Chen', 'Dara', 'Elif', 'Femi', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Kavya', 'Lars', 'Maya', 'Nico', 'Oona', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tomas']
const LAST_NAMES = ['Abara', 'Berg', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jensen', 'Kowalski', 'Lindqvist', 'Moreau', 'Novak', 'Okafor', 'Petrov', 'Rossi', 'Silva', 'Tanaka', 'Varga']

/** Up to 400 distinct full names, in a fixed order. */
export function personName(index: number): string {
  const first = FIRST_NAMES[index % FIRST_NAMES.length]!
  const last = LAST_NAMES[(index + Math.floor(index / LAST_NAMES.length)) % LAST_NAMES.length]!
  return index < 400 ? `${first} ${last}` : `${first} ${last} ${Math.floor(index / 400) + 1}`
}
