import { loadConfig } from '../config.ts'
import { allTopics } from '../flows.ts'
import { ensureTopics } from '../platform/kafka.ts'
import { createLogger } from '../platform/logger.ts'
import type { Command } from './command.ts'

export const topicsCommand: Command = {
  summary: 'create the Kafka topics that are missing',
  usage: 'topics',
  async run() {
    const config = loadConfig()
    const logger = createLogger({ level: config.logLevel, name: 'topics' })
    const created = await ensureTopics(config.kafka, allTopics(config.kafka.topicPrefix), logger)
    console.log(created.length > 0 ? `created: ${created.join(', ')}` : 'all topics exist')
    return 0
  },
}
