import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { findFlow, flowNames, flows } from '../flows.ts'
import { prefixTopics } from '../platform/kafka.ts'
import { LagMonitor } from '../platform/lag-metrics.ts'
import type { Command } from './command.ts'

function pad(value: unknown, width: number): string {
  return String(value).padEnd(width)
}

/** Consumer lag of each flow's consumer group, per partition, in messages and estimated seconds. */
export const lagCommand: Command = {
  summary: 'consumer lag per group and partition (messages, estimated seconds); --watch repeats',
  usage: `lag [--flow ${flowNames.join('|')}] [--watch [seconds]] [--json]`,
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
    const one = findFlow(values.flow)
    if (values.flow && !one) {
      console.error(`Usage: ${lagCommand.usage}`)
      return 2
    }
    const monitors = (one ? [one] : flows).map((flow) => {
      const topics = prefixTopics(flow.topics, config.kafka.topicPrefix)
      return new LagMonitor(config.kafka, flow.groupId(config), [topics.requests], 0)
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
