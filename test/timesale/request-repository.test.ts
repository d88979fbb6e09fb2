import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, describe, it } from 'node:test'
import { TimeSaleRepository } from '../../src/timesale/repository.ts'
import { RequestRepository } from '../../src/timesale/request-repository.ts'
import type { Decision, OrderRequest } from '../../src/timesale/types.ts'
import { userIds } from '../coupon/fixtures.ts'
import { suitePool } from '../helpers/database.ts'
import { testConfig } from '../helpers/stack.ts'

/** The consumer's set-based write of a sale's batch (src/timesale/request-repository.ts) on PostgreSQL. */
describe('time-sale v3 batch write', () => {
  const db = suitePool(testConfig())
  let sales: TimeSaleRepository
  let requests: RequestRepository

  before(() => {
    sales = new TimeSaleRepository(db.pool)
    requests = new RequestRepository(db.pool)
  })

  function counts(saleId: string) {
    return db.row<{ sold: number; settled: number; orders: number; outcomes: number }>(
      `SELECT sold_quantity AS sold, settled_requests::int AS settled,
              (SELECT count(*)::int FROM timesale_orders WHERE time_sale_id = $1) AS orders,
              (SELECT count(*)::int FROM timesale_requests WHERE time_sale_id = $1) AS outcomes
       FROM time_sales WHERE id = $1`,
      [saleId],
    )
  }

  it('inserts each order and outcome once across repeats in a batch and replays of it; refuses what the count and the limit do not allow', async () => {
    const now = Date.now()
    const sale = await sales.insertSale({
      productName: 'batch write',
      originalPrice: 1000,
      salePrice: 500,
      totalQuantity: 5,
      maxPerUser: 2,
      startAt: new Date(now - 60_000),
      endAt: new Date(now + 600_000),
    })
    const [u1, u2, u3, u4] = userIds(4) as [string, string, string, string]
    let ticket = 0
    const request = (userId: string, quantity: number): OrderRequest => {
      ticket += 1
      return {
        requestId: randomUUID(),
        timeSaleId: sale.id,
        userId,
        quantity,
        ticket,
        queuePosition: ticket,
        acceptedAt: now,
      }
    }
    const [r1, r2, r3, r4, r5] = [
      request(u1, 2),
      request(u1, 1),
      request(u2, 2),
      request(u3, 1),
      request(u4, 2),
    ]
    const batch = [r1, r1, r2, r3, r4, r5]
    // Redis decided every one COMPLETED but r4; PostgreSQL holds u1 to 2 units and has 1 left for r5.
    const decisions: Decision[] = [
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
      'COMPLETED',
      'SOLD_OUT',
      'COMPLETED',
    ]

    const first = await requests.persistBatch(sale.id, batch, decisions)
    assert.deepEqual(
      first.toPublish.map((outcome) => [outcome.requestId, outcome.status, outcome.code]),
      [
        [r1.requestId, 'COMPLETED', null],
        [r2.requestId, 'FAILED', 'LIMIT_EXCEEDED'],
        [r3.requestId, 'COMPLETED', null],
        [r4.requestId, 'FAILED', 'SOLD_OUT'],
        [r5.requestId, 'FAILED', 'SOLD_OUT'],
      ],
      'one outcome per distinct request, in batch order',
    )
    assert.equal(Number(first.toPublish[0]?.totalPrice), 1000)
    assert.deepEqual(first.refused, [r2.requestId, r5.requestId])
    assert.equal(first.watermark, 5)
    assert.deepEqual(await counts(sale.id), { sold: 4, settled: 5, orders: 2, outcomes: 5 })

    // A replay (crash before the publish): nothing written again, the same outcomes to publish.
    const replay = await requests.persistBatch(sale.id, batch, decisions)
    assert.deepEqual(replay.toPublish, first.toPublish)
    assert.deepEqual(replay.refused, first.refused)
    assert.equal(replay.watermark, 5)
    assert.deepEqual(await counts(sale.id), { sold: 4, settled: 5, orders: 2, outcomes: 5 })

    // Once marked published, a replay publishes nothing and still gives back Redis's refused reservations.
    await requests.markPublished(first.toPublish.map((outcome) => outcome.requestId))
    const marked = await requests.persistBatch(sale.id, batch, decisions)
    assert.deepEqual(marked.toPublish, [])
    assert.deepEqual(marked.refused, first.refused)
    assert.deepEqual(await counts(sale.id), { sold: 4, settled: 5, orders: 2, outcomes: 5 })
    assert.equal((await requests.findOutcome(r3.requestId))?.status, 'COMPLETED')
  })
})
