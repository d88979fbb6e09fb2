import { Admin, Consumer } from '@platformatic/kafka'
import type { Config } from '../../src/config.ts'
import { testGroupId } from './stack.ts'

export interface ReadMessage {
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
  readonly key: string | null
  readonly value: string
  readonly headers: Record<string, string>
}

/**
 * Reads `topics` from the beginning with a throwaway group until `expected` messages arrived (then waits
 * `settleMs` more to catch extras, e.g. duplicates) or `timeoutMs` passed. The group is deleted afterwards.
 */
export async function readTopics(
  config: Config,
  topics: readonly string[],
  expected: number,
  { timeoutMs = 30_000, settleMs = 500 } = {},
): Promise<ReadMessage[]> {
  const groupId = testGroupId(config, 'reader')
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    clientId: 'test-reader',
    bootstrapBrokers: [...config.kafka.brokers],
    groupId,
    autocommit: false,
    maxWaitTime: 100,
  })
  const messages: ReadMessage[] = []
  const stream = await consumer.consume({ topics: [...topics], mode: 'earliest' })
  await new Promise<void>((resolve) => {
    let settleTimer: NodeJS.Timeout | undefined
    const deadline = setTimeout(resolve, timeoutMs)
    stream.on('data', (message) => {
      const headers: Record<string, string> = {}
      for (const [key, value] of message.headers) headers[key.toString()] = value.toString()
      messages.push({
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        key: message.key ? message.key.toString() : null,
        value: message.value ? message.value.toString() : '',
        headers,
      })
      if (messages.length >= expected && !settleTimer) {
        settleTimer = setTimeout(() => {
          clearTimeout(deadline)
          resolve()
        }, settleMs)
      }
    })
  })
  await stream.close()
  await consumer.close(true)
  const admin = new Admin({ clientId: 'test-reader', bootstrapBrokers: [...config.kafka.brokers] })
  await admin
    .deleteGroups({ groups: [groupId] })
    .catch(() => undefined)
    .finally(() => admin.close())
  return messages
}
