#!/usr/bin/env node
/**
 * Floor of the v3 accept path: `node bench/probe.ts [--rate 5000] [--duration 5]`. Measures, at a fixed
 * offered rate and from one process like the API, the two round trips every accepted request waits for:
 * a Redis script (EVALSHA, autopipelined like the service's client) and a Kafka produce acknowledged by all
 * in-sync replicas (the service's idempotent producer behind the same `BatchingProducer`), on a topic of
 * its own (`<KAFKA_TOPIC_PREFIX>bench-probe`, created if missing). What the services answer can never be
 * faster than this on the same machine.
 */
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config.ts'
import { BatchingProducer, createProducer, ensureTopics } from '../src/platform/kafka.ts'
import { createLogger } from '../src/platform/logger.ts'
import { createRedis } from '../src/platform/redis.ts'
import { LatencyHistogram } from './lib/histogram.ts'
import { intendedTime } from './lib/schedule.ts'

const { values } = parseArgs({
  options: { rate: { type: 'string', default: '5000' }, duration: { type: 'string', default: '5' } },
})
const rate = Number(values.rate)
const total = Math.round(rate * Number(values.duration))
const config = loadConfig()
const logger = createLogger({ level: 'warn', name: 'probe' })
const topic = `${config.kafka.topicPrefix}bench-probe`
await ensureTopics(config.kafka, [topic], logger)
const producer = new BatchingProducer(createProducer(config.kafka, 'bench-probe'))
const redis = createRedis(config.redis, 'bench-probe')
redis.defineCommand('probe', { numberOfKeys: 1, lua: "return redis.call('HLEN', KEYS[1])" })
const probe = (redis as unknown as { probe(key: string): Promise<number> }).probe.bind(redis)

const now = () => performance.timeOrigin + performance.now()
const hist = { redis: new LatencyHistogram(), kafka: new LatencyHistogram(), both: new LatencyHistogram() }

async function once(i: number, intended: number): Promise<void> {
  const t0 = now()
  await probe('{bench-probe}:h')
  const t1 = now()
  await producer.send({ topic, key: String(i % 16), value: `{"probe":${i}}` })
  const t2 = now()
  hist.redis.record(t1 - t0)
  hist.kafka.record(t2 - t1)
  hist.both.record(t2 - intended)
}

// Warm up connections and code paths, then hold the rate.
for (let i = 0; i < 200; i++) await once(i, now())
for (const h of Object.keys(hist) as Array<keyof typeof hist>) hist[h] = new LatencyHistogram()
const start = now() + 10
const pending: Promise<void>[] = []
let sent = 0
await new Promise<void>((resolve) => {
  const tick = () => {
    const t = now()
    while (sent < total && intendedTime(start, rate, sent) <= t) {
      pending.push(once(sent, intendedTime(start, rate, sent)))
      sent++
    }
    if (sent >= total) return resolve()
    setTimeout(tick, Math.max(0, intendedTime(start, rate, sent) - now()))
  }
  tick()
})
await Promise.all(pending)
const line = (name: string, h: LatencyHistogram) => {
  const s = h.summary()
  return `${name.padEnd(28)} p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  p99.9 ${s.p999.toFixed(2)} ms  max ${s.max.toFixed(2)} ms`
}
console.log(`${rate}/s for ${values.duration} s (${total} requests), one process:`)
console.log(line('Redis script round trip', hist.redis))
console.log(line('Kafka produce, acks=all', hist.kafka))
console.log(line('both, from the intended time', hist.both))
await producer.close()
redis.disconnect()
