import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'

/** Ports in no stack: nothing listens there, so a command that connects fails naming the port. */
const ports = { kafka: '39591', redis: '39592', pg: '39593' }

/** Runs the CLI as a developer of an isolated stack would: LOCAL_*_PORT set, no explicit URLs. */
function cli(args: string[], extra: Record<string, string> = {}) {
  const env: Record<string, string | undefined> = { ...process.env }
  for (const name of ['KAFKA_BROKERS', 'REDIS_URL', 'DATABASE_URL']) delete env[name]
  Object.assign(env, {
    LOG_LEVEL: 'silent',
    LOCAL_KAFKA_PORT: ports.kafka,
    LOCAL_REDIS_PORT: ports.redis,
    LOCAL_PG_PORT: ports.pg,
    ...extra,
  })
  return spawnSync(process.execPath, ['src/main.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env,
  })
}

describe('command line on an isolated stack (LOCAL_*_PORT)', () => {
  it('help shows connection defaults on the LOCAL_*_PORT stack', () => {
    const result = cli(['help'])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /KAFKA_BROKERS\s+localhost:39591\n/)
    assert.match(result.stdout, /REDIS_URL\s+redis:\/\/127\.0\.0\.1:39592\n/)
    assert.match(result.stdout, /DATABASE_URL\s+postgres:\/\/promotion:promotion@127\.0\.0\.1:39593\//)
  })

  it('migrate connects to LOCAL_PG_PORT, not to the default port', () => {
    const result = cli(['migrate'])
    assert.notEqual(result.status, 0, result.stdout)
    assert.match(result.stderr, /39593/)
  })

  it('an explicit DATABASE_URL still wins over LOCAL_PG_PORT', () => {
    const result = cli(['migrate'], {
      DATABASE_URL: 'postgres://promotion:promotion@127.0.0.1:39594/promotion',
    })
    assert.notEqual(result.status, 0, result.stdout)
    assert.match(result.stderr, /39594/)
    assert.doesNotMatch(result.stderr, /39593/)
  })
})
