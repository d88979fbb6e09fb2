import { describe, it } from 'node:test'
import { flowTopics } from '../../src/flows.ts'
import { BatchingProducer, createProducer } from '../../src/platform/kafka.ts'
import { FLOWS } from './flows.ts'
import { assertChecks, runScenario } from './scenario.ts'
import { skipUnlessIsolated } from './stack.ts'

/** Records that can never be processed, written to the promotion's own partition in the middle of a burst. */
const POISON = [
  '{"v":1,"type":"coupon.issue.requested","requestId":', // not JSON
  '[1,2,3]', // JSON, not an object
  '{"v":99,"requestId":"6b0c3f0e-8d0e-4f55-9a3c-2b7f0c1d2e3f","policyId":"1","userId":"1","acceptedAt":1}', // unknown schema version
  '{"v":1,"requestId":"not-a-uuid","policyId":-1,"userId":"x","acceptedAt":"yesterday"}', // wrong types
]

/**
 * Malformed messages on `coupon-issue-requests`, keyed like real requests so they sit in the same
 * partition as the burst: each goes to the DLQ at once, and the requests behind them keep flowing.
 */
describe('chaos: poison messages on the request topic', { skip: skipUnlessIsolated }, () => {
  for (const flow of FLOWS) {
    it(`${flow.name}: dead-letters the poison and keeps the partition flowing`, async () => {
      let poisonedAt = Number.POSITIVE_INFINITY
      const result = await runScenario({
        name: 'poison-message',
        title: `poison messages mid-burst (${POISON.length} malformed records in the promotion's partition)`,
        flow,
        layout: 'single',
        users: 1500,
        stock: 600 * flow.unitsPerRequest,
        ratePerSecond: 250,
        faultAtMs: 1_000,
        async fault(context) {
          const producer = new BatchingProducer(createProducer(context.config.kafka, 'chaos-poison'))
          try {
            const topic = flowTopics(flow.name, context.config.kafka.topicPrefix).requests
            await producer.sendAll(POISON.map((value) => ({ topic, key: context.promotionId, value })))
          } finally {
            await producer.close()
          }
          poisonedAt = context.note(`${POISON.length} malformed records written to the promotion's partition`)
        },
        checks: (_context, answers, facts, dlq) => {
          const behind = answers.filter((a) => a.status === 202 && a.requestId && a.sentAtMs > poisonedAt)
          const settledBehind = behind.filter((a) => facts.settled.has(a.requestId as string)).length
          return [
            {
              name: 'poison dead-lettered',
              ok: dlq.malformed === POISON.length,
              detail: `${dlq.malformed}/${POISON.length} malformed records in the DLQ (MALFORMED_MESSAGE, no retries)`,
            },
            {
              name: 'partition keeps flowing',
              ok: behind.length > 0 && settledBehind === behind.length,
              detail: `${settledBehind}/${behind.length} requests accepted after the poison settled`,
            },
          ]
        },
      })
      assertChecks(result)
    })
  }
})
