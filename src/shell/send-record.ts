import { isPostgresUrl } from '../core/store-location.js'
import type { SendRecord } from '../core/timeline.js'

/**
 * Records a send in the store smskannel.store names, loading only that store's driver.
 * Returns a warning rather than failing: the PIN matters more than its record.
 */
export async function recordSend(location: string, record: SendRecord, fileMode: number): Promise<string | undefined> {
  return isPostgresUrl(location)
    ? (await import('./pg-send-spool.js')).recordSendInPostgres(location, record)
    : (await import('./send-spool.js')).recordSendOrSpool(location, record, fileMode)
}
