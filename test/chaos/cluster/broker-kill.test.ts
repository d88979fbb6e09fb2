import { describe, it } from 'node:test'
import { Admin, compatibilityPartitioner } from '@platformatic/kafka'
import type { Config } from '../../../src/config.ts'
import { flowTopics } from '../../../src/flows.ts'
import { eventually } from '../../helpers/stack.ts'
import { FLOWS } from '../flows.ts'
import { assertChecks, runScenario, sleep } from '../scenario.ts'
import { killHard, pidOf, skipUnlessIsolated, stack } from '../stack.ts'
import type { Check } from '../verify.ts'

/** The replicas of a topic's partitions and the topic's `min.insync.replicas`, as the brokers see them. */
async function describeTopic(config: Config, topic: string) {
  const admin = new Admin({ clientId: 'chaos-describe', bootstrapBrokers: [...config.kafka.brokers] })
  try {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true })
    const partitions = metadata.topics.get(topic)?.partitions ?? []
    const [described] = await admin.describeConfigs({
      resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['min.insync.replicas'] }],
    })
    const minIsr = described?.configs.find((c) => c.name === 'min.insync.replicas')?.value ?? null
    return { partitions, minIsr }
  } finally {
    await admin.close()
  }
}

/**
 * Three brokers (replication factor 3, min.insync.replicas 2). Mid-burst the broker leading the policy's
 * request partition is SIGKILLed; leadership moves to a surviving replica, the producer and the consumer
 * follow it, and the cluster keeps accepting with two in-sync replicas. The broker is restarted afterwards
 * and rejoins the ISR. No accepted request may be lost.
 */
describe('chaos: one of three brokers SIGKILLed during a v3 burst', { skip: skipUnlessIsolated }, () => {
  for (const flow of FLOWS) {
    it(`${flow.name}: loses no accepted request and keeps accepting with 2 of 3 brokers`, async () => {
      let killedAt = Number.POSITIVE_INFINITY
      let restartedAt = Number.POSITIVE_INFINITY
      let victim = 0
      const result = await runScenario({
        name: 'broker-kill',
        title:
          '3-broker cluster: SIGKILL of the leader of the promotion partition mid-burst, restart afterwards',
        flow,
        layout: 'cluster',
        users: 2400,
        stock: 600 * flow.unitsPerRequest,
        ratePerSecond: 150,
        faultAtMs: 2_000,
        async fault(context) {
          const topic = flowTopics(flow.name, context.config.kafka.topicPrefix).requests
          const { partitions } = await describeTopic(context.config, topic)
          // Where the producer puts the promotion's requests: Java-compatible murmur2 of the key.
          const key = Buffer.from(context.promotionId)
          const partition = compatibilityPartitioner({ topic, key }, key) % partitions.length
          victim = partitions[partition]?.leader ?? 1
          const pid = pidOf(`kafka-${victim}`)
          await killHard(pid)
          killedAt = context.note(`kill -9 kafka-${victim} (pid ${pid}), leader of ${topic}-${partition}`)
          await sleep(6_000)
          await stack('start', `kafka-${victim}`)
          restartedAt = context.note(`kafka-${victim} restarted and ready`)
        },
        async checks(context, answers): Promise<Check[]> {
          const topic = flowTopics(flow.name, context.config.kafka.topicPrefix).requests
          const whileDown = answers.filter((a) => a.sentAtMs > killedAt && a.sentAtMs < restartedAt)
          const acceptedWhileDown = whileDown.filter((a) => a.status === 202)
          const firstAccepted = Math.min(...acceptedWhileDown.map((a) => a.sentAtMs))
          const healed = await eventually(
            async () => {
              const described = await describeTopic(context.config, topic)
              return described.partitions.every((p) => p.isr.length === 3) ? described : undefined
            },
            60_000,
            `kafka-${victim} back in the ISR of every partition of ${topic}`,
          ).catch(() => undefined)
          return [
            {
              name: 'keeps accepting with 2/3',
              ok: acceptedWhileDown.length > 0,
              detail:
                `${acceptedWhileDown.length}/${whileDown.length} requests sent while kafka-${victim} was down got 202` +
                (acceptedWhileDown.length > 0
                  ? `; first ${((firstAccepted - killedAt) / 1000).toFixed(1)} s after the kill`
                  : ''),
            },
            {
              name: 'replication 3, min ISR 2',
              ok: Boolean(
                healed && healed.minIsr === '2' && healed.partitions.every((p) => p.replicas.length === 3),
              ),
              detail: healed
                ? `${topic}: ${healed.partitions.length} partitions × ${healed.partitions[0]?.replicas.length} replicas, ` +
                  `min.insync.replicas ${healed.minIsr}; ISR back to 3 after the restart`
                : `kafka-${victim} did not rejoin the ISR within 60 s`,
            },
          ]
        },
      })
      assertChecks(result)
    })
  }
})
