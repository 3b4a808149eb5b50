import { sql } from 'drizzle-orm'
import type { Executor } from './client.js'

/**
 * The departures (schema.ts's feedDepartures) no WebSub round needs any more: a week old, and older than how
 * far the hub was told (a replica starting reads those after it: see websubState). Pruned by each start, and
 * by each round the hub took whole; never by the writes that note them, which would then contend for the
 * same old rows.
 */
export async function pruneFeedDepartures(db: Executor): Promise<void> {
  await db.execute(sql`delete from feed_departures
    where departed_at < least(now() - interval '7 days', (select pinged_until from websub_state))`)
}
