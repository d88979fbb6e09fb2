import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { findFlow, flowNames } from '../flows.ts'
import { listDeadLetters, replayDeadLetters } from '../pipeline/dlq.ts'
import { BatchingProducer, createProducer, prefixTopics } from '../platform/kafka.ts'
import { createLogger } from '../platform/logger.ts'
import { createPool } from '../platform/postgres.ts'
import { requestIdOf } from '../shared/ids.ts'
import type { Command } from './command.ts'

export const dlqCommand: Command = {
  summary: 'list or replay dead letters of a flow (replay: all, or --request-id …)',
  usage: `dlq <list|replay> --flow <${flowNames.join('|')}> [--request-id <id>]… [--json]`,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        flow: { type: 'string', default: flowNames[0] },
        'request-id': { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
      },
    })
    const action = positionals[0]
    const flow = findFlow(values.flow)
    if ((action !== 'list' && action !== 'replay') || !flow) {
      console.error(`Usage: ${dlqCommand.usage}`)
      return 2
    }
    // Request ids are UUIDs in any letter case, matched in lower case as everywhere else.
    const requestIds = values['request-id']?.map(requestIdOf)
    if (requestIds?.some((id) => id === undefined)) {
      console.error(`--request-id takes UUIDs (8-4-4-4-12 hex digits). Usage: ${dlqCommand.usage}`)
      return 2
    }
    const config = loadConfig()
    const logger = createLogger({ level: 'warn', name: 'dlq' })
    const pool = createPool(config.postgres, logger)
    const producer = new BatchingProducer(createProducer(config.kafka, 'dlq-cli'))
    const deps = {
      kafka: config.kafka,
      topics: prefixTopics(flow.topics, config.kafka.topicPrefix),
      pool,
      producer,
    }
    try {
      if (action === 'list') {
        const letters = await listDeadLetters(deps)
        if (values.json) console.log(JSON.stringify(letters, null, 2))
        else {
          console.log(`${letters.length} dead letter(s) on ${deps.topics.dlq}`)
          for (const l of letters) {
            console.log(
              `  ${l.partition}:${l.offset} request=${l.requestId ?? '-'} code=${l.errorCode ?? '-'} attempts=${l.attempts ?? '-'} ` +
                `from=${l.source.topic}:${l.source.partition}:${l.source.offset} ${l.replayed ? 'REPLAYED' : 'PENDING'} — ${l.error ?? ''}`,
            )
          }
        }
      } else {
        const result = await replayDeadLetters(deps, requestIds as string[] | undefined)
        if (values.json) console.log(JSON.stringify(result, null, 2))
        else
          console.log(
            `replayed ${result.replayed.length}, skipped ${result.skipped} (already replayed or not selected)`,
          )
      }
      return 0
    } finally {
      await producer.close()
      await pool.end()
    }
  },
}
