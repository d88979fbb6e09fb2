import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { flowTopics } from '../platform/kafka.ts'
import { LagMonitor } from '../platform/lag-metrics.ts'
import type { Command } from './index.ts'

function pad(value: unknown, width: number): string {
  return String(value).padEnd(width)
}

/** Consumer lag of the coupon and time-sale groups, per partition, in messages and estimated seconds. */
export const lagCommand: Command = {
  summary: 'consumer lag per group and partition (messages, estimated seconds); --watch repeats',
  usage: 'lag [--flow coupon|timesale] [--watch [seconds]] [--json]',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        flow: { type: 'string' },
        watch: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    })
    const config = loadConfig()
    const flows = values.flow ? [values.flow] : ['coupon', 'timesale']
    if (!flows.every((flow) => flow === 'coupon' || flow === 'timesale')) {
      console.error(`Usage: ${lagCommand.usage}`)
      return 2
    }
    const monitors = flows.map((flow) => {
      const groupId = flow === 'coupon' ? config.coupon.groupId : config.timesale.groupId
      const topics = flowTopics(flow as 'coupon' | 'timesale', config.kafka.topicPrefix)
      return new LagMonitor(config.kafka, groupId, [topics.requests], 0)
    })
    const interval = values.watch === undefined ? 0 : Math.max(1, Number(values.watch) || 2)
    for (;;) {
      for (const monitor of monitors) {
        const { lag, seconds } = await monitor.read()
        if (values.json) {
          console.log(JSON.stringify(lag, (_, value) => (typeof value === 'bigint' ? Number(value) : value)))
          continue
        }
        const eta = seconds === null ? 'no progress' : `${seconds.toFixed(1)} s`
        console.log(
          `GROUP ${lag.groupId}  state=${lag.state}  members=${lag.members}  lag=${lag.total}  drain≈${eta}`,
        )
        console.log(
          `  ${pad('TOPIC', 32)}${pad('PARTITION', 10)}${pad('COMMITTED', 12)}${pad('END', 12)}${pad('LAG', 10)}MEMBER`,
        )
        for (const p of lag.partitions) {
          console.log(
            `  ${pad(p.topic, 32)}${pad(p.partition, 10)}${pad(p.committed ?? '-', 12)}${pad(p.end, 12)}${pad(p.lag, 10)}${p.member ?? '-'}`,
          )
        }
      }
      if (!interval) return 0
      await new Promise((resolve) => setTimeout(resolve, interval * 1000))
      console.log('')
    }
  },
}
