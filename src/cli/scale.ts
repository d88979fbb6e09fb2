import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { findFlow, flowNames } from '../flows.ts'
import type { Command } from './command.ts'

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url))

/**
 * Runs extra consumer instances of a service as separate processes in the service's consumer group.
 * Kafka gives each partition to one member, so useful instances are bounded by the partition count
 * (KAFKA_TOPIC_PARTITIONS); extra members stay idle as hot standbys. A child that dies is restarted after
 * a pause; SIGTERM / SIGINT stop all children gracefully (each finishes its batch and commits).
 */
export const scaleCommand: Command = {
  summary: 'run N extra consumer processes of a service in its consumer group, restarting any that die',
  usage: `scale --service ${flowNames.join('|')} --instances <n>`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        service: { type: 'string', default: flowNames[0] },
        instances: { type: 'string', default: '2' },
      },
    })
    const service = findFlow(values.service)?.name
    const count = Number(values.instances)
    if (service === undefined || !Number.isInteger(count) || count < 1 || count > 64) {
      console.error(`Usage: ${scaleCommand.usage}`)
      return 2
    }
    let stopping = false
    const children = new Map<number, ChildProcess>()
    const launch = (index: number) => {
      const child = spawn(
        process.execPath,
        [MAIN, service, '--no-http', '--instance', `${service}-${index}`],
        {
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      )
      children.set(index, child)
      console.error(`[scale] ${service} consumer ${index} started (pid ${child.pid})`)
      child.once('exit', (code, signal) => {
        children.delete(index)
        if (stopping) return
        console.error(`[scale] ${service} consumer ${index} exited (${signal ?? code}); restarting in 2 s`)
        setTimeout(() => {
          if (!stopping) launch(index)
        }, 2_000)
      })
    }
    for (let index = 1; index <= count; index++) launch(index)
    await new Promise<void>((resolve) => {
      const stop = () => {
        stopping = true
        for (const child of children.values()) child.kill('SIGTERM')
        const check = setInterval(() => {
          if (children.size === 0) {
            clearInterval(check)
            resolve()
          }
        }, 100)
      }
      process.once('SIGTERM', stop)
      process.once('SIGINT', stop)
    })
    return 0
  },
}
