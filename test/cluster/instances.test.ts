import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createLogger } from '../../src/platform/logger.ts'
import { createPool } from '../../src/platform/postgres.ts'
import { couponFlow, timesaleFlow } from '../chaos/flows.ts'
import { userIds } from '../coupon/fixtures.ts'
import { post } from '../helpers/http.ts'
import { probeNextId } from '../helpers/next-id.ts'
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

  for (const flow of [couponFlow, timesaleFlow]) {
    it(`${flow.name}: the other instance answers at once, v1 and v3 alike`, async () => {
      const a = instanceUrl(flow.name, 1)
      const b = instanceUrl(flow.name, 2)
      // A round counts only when the promotion created on instance 1 got the id instance 2 had just
      // answered 404 for (see probeNextId); the answers are checked in every round.
      let rounds = 0
      for (let attempt = 0; rounds < 3; attempt++) {
        assert.ok(attempt < 15, `only ${rounds} of ${attempt} rounds kept their predicted id`)
        const [user1, user3] = userIds(2) as [string, string]
        const early = await probeNextId(pool as NonNullable<typeof pool>, TABLES[flow.name], (id) =>
          post(flow.requestUrl(b, id), flow.requestBody(id, user3)),
        )
        assert.equal(early.result.status, 404, `before creation: ${JSON.stringify(early.result.body)}`)
        const id = await flow.create(a, 10, {})
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
        if (id === early.id) rounds++
      }
    })
  }
})
