import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createLogger } from '../../src/platform/logger.ts'
import { createPool } from '../../src/platform/postgres.ts'
import { couponFlow, timesaleFlow } from '../chaos/flows.ts'
import { userIds } from '../coupon/fixtures.ts'
import { post } from '../helpers/http.ts'
import { streamUntil } from '../helpers/sse.ts'
import { instanceUrl, skipUnlessTopology, topologyConfig } from './topology.ts'

const TABLES = { coupon: 'coupon_policies', timesale: 'time_sales' } as const

/**
 * Two API instances are one service: a promotion created through instance 1 is served by instance 2 at
 * once, whichever strategy is asked, even when instance 2 had answered 404 for that very id a moment
 * before (a cached miss would keep answering 404); and a request accepted by one is followed to its end
 * on the other.
 */
describe('cluster topology: create on one instance, request on the other', {
  skip: skipUnlessTopology,
}, () => {
  const pool = skipUnlessTopology
    ? undefined
    : createPool(
        { ...topologyConfig().postgres, poolMax: 2 },
        createLogger({ level: 'silent', name: 'test' }),
      )
  after(() => pool?.end())

  /** The id the next created promotion gets (nothing else creates promotions while the suite runs). */
  async function nextId(table: string): Promise<string> {
    const { rows } = await (pool as NonNullable<typeof pool>).query<{ next: string }>(
      `SELECT COALESCE(last_value + increment_by, start_value) AS next
       FROM pg_sequences WHERE sequencename = pg_get_serial_sequence($1, 'id')::regclass::text`,
      [table],
    )
    return String(rows[0]?.next)
  }

  for (const flow of [couponFlow, timesaleFlow]) {
    it(`${flow.name}: the other instance answers at once, v1 and v3 alike`, async () => {
      const a = instanceUrl(flow.name, 1)
      const b = instanceUrl(flow.name, 2)
      for (let round = 0; round < 3; round++) {
        const expected = await nextId(TABLES[flow.name])
        const [user1, user3] = userIds(2) as [string, string]
        const early = await post(flow.requestUrl(b, expected), flow.requestBody(expected, user3))
        assert.equal(early.status, 404, `before creation: ${JSON.stringify(early.body)}`)
        const id = await flow.create(a, 10, {})
        assert.equal(id, expected, 'the promotion got the predicted id')
        const v3 = await post(flow.requestUrl(b, id), flow.requestBody(id, user3))
        const v1 = await post(flow.requestUrl(b, id).replace('v3', 'v1'), flow.requestBody(id, user1))
        assert.equal(v3.status, 202, `v3 on the other instance: ${JSON.stringify(v3.body)}`)
        assert.equal(v1.status, 201, `v1 on the other instance: ${JSON.stringify(v1.body)}`)
        // The result stream of the request accepted on instance 2, opened on instance 1, ends with the
        // outcome a consumer process settled (the settlement signal crosses processes via Redis pub/sub).
        const requestId = String(v3.body.requestId)
        const events = await streamUntil<{ status: string }>(
          `${a}${flow.apiPrefix}/${flow.name === 'coupon' ? 'requests' : 'orders/requests'}/${requestId}/events`,
          (data) => !['PENDING', 'QUEUED', 'PROCESSING'].includes(data.status),
          { timeoutMs: 30_000 },
        )
        assert.equal(events.at(-1)?.data.status, flow.name === 'coupon' ? 'ISSUED' : 'COMPLETED')
      }
    })
  }
})
