/**
 * The README's two commands must not undo each other: `npm test` stops afterwards only the components it
 * started, so after `npm start` (and after a first `npm test`) everything that ran keeps running.
 *
 * Runs on a stack of its own (LOCAL_DIR .local/stack-test, ports STACK_TEST_PORT_BASE … +5, default
 * 27100), never on the default one: it starts and stops Kafka, Redis, PostgreSQL and both services.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BASE = Number(process.env.STACK_TEST_PORT_BASE ?? 27100)
const INFRA = ['kafka', 'redis', 'postgres'] as const
const SERVICES = ['coupon', 'timesale'] as const

const env: NodeJS.ProcessEnv = {
  ...process.env,
  LOCAL_DIR: '.local/stack-test',
  LOCAL_KAFKA_PORT: String(BASE),
  LOCAL_KAFKA_CONTROLLER_PORT: String(BASE + 1),
  LOCAL_REDIS_PORT: String(BASE + 2),
  LOCAL_PG_PORT: String(BASE + 3),
  COUPON_PORT: String(BASE + 4),
  TIMESALE_PORT: String(BASE + 5),
}
// Set, they would make every component external, and then nothing would be started or stopped.
for (const name of ['KAFKA_BROKERS', 'REDIS_URL', 'DATABASE_URL', 'KAFKA_CLUSTER_SIZE']) delete env[name]

async function bash(script: string): Promise<string> {
  const { stdout } = await run('bash', ['-c', script], { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 })
  return stdout
}

/** `stack.sh status` as component → pid (undefined when stopped). */
async function status(): Promise<Map<string, number | undefined>> {
  const lines = (await bash('bash infra/stack.sh status')).trim().split('\n')
  const result = new Map<string, number | undefined>()
  for (const line of lines) {
    const match = /^(\S+)\s+(running|stopped)\s+(?:pid (\d+))?/.exec(line)
    assert.ok(match, `unexpected status line: ${line}`)
    result.set(match[1] as string, match[2] === 'running' ? Number(match[3]) : undefined)
  }
  return result
}

/**
 * What `npm test` does around the tests (infra/test.sh: `stack_hold` under `set -euo pipefail`), with the
 * tests replaced by a look at the stack's status while it is held.
 */
async function runTestRunnerAround(): Promise<Map<string, number | undefined>> {
  await bash(
    'set -euo pipefail; source infra/lib.sh; stack_hold >/dev/null; bash infra/stack.sh status >/dev/null',
  )
  return status()
}

describe('npm start and npm test on one stack', { concurrency: false }, () => {
  before(async () => {
    // A clean slate, also after an interrupted earlier run of this file.
    await bash('bash infra/stack.sh down >/dev/null 2>&1')
  })
  after(async () => {
    await bash('bash infra/stack.sh down >/dev/null 2>&1')
  })

  it('npm test on a stopped stack starts Kafka, Redis and PostgreSQL and stops them again', async () => {
    const inside = await bash(
      'set -euo pipefail; source infra/lib.sh; stack_hold >/dev/null; bash infra/stack.sh status',
    )
    for (const component of INFRA) assert.match(inside, new RegExp(`^${component}\\s+running`, 'm'))
    const afterwards = await status()
    for (const component of INFRA) assert.equal(afterwards.get(component), undefined, `${component} stopped`)
  })

  it('after npm start, npm test twice in a row leaves everything running', async () => {
    await bash('bash infra/stack.sh up >/dev/null')
    const started = await status()
    for (const component of [...INFRA, ...SERVICES]) {
      assert.ok(started.get(component), `${component} runs after npm start`)
    }
    for (const round of [1, 2]) {
      const afterwards = await runTestRunnerAround()
      for (const component of [...INFRA, ...SERVICES]) {
        assert.equal(
          afterwards.get(component),
          started.get(component),
          `${component} after test run ${round}`,
        )
      }
    }
    const health = await fetch(`http://localhost:${BASE + 4}/health`)
    assert.equal(health.status, 200, 'the coupon service still reaches its dependencies')
  })

  it('npm test works in a database of its own, promotion_test, migrated, beside the running services', async () => {
    const psql = '/usr/lib/postgresql/15/bin/psql -X -q -tA'
    const developer = `postgres://promotion:promotion@127.0.0.1:${BASE + 3}/promotion`
    const script = [
      'set -euo pipefail; source infra/lib.sh; source infra/postgres.sh',
      'stack_hold >/dev/null; pg_use_test_database >/dev/null',
      'echo "url=$DATABASE_URL"',
      `${psql} "$DATABASE_URL" -c "SELECT 'tables=' || count(*) FROM coupon_policies"`,
    ].join('; ')
    for (const round of [1, 2]) {
      const out = await bash(script)
      assert.match(
        out,
        new RegExp(`^url=postgres://promotion:promotion@127\\.0\\.0\\.1:${BASE + 3}/promotion_test$`, 'm'),
        `round ${round}`,
      )
      assert.match(out, /^tables=\d+$/m, `round ${round}: migrated`)
    }
    // An explicit DATABASE_URL is used as given (an external server): nothing is created or changed.
    const explicit = await bash(
      `set -euo pipefail; source infra/lib.sh; source infra/postgres.sh; DATABASE_URL=${developer}; pg_use_test_database; echo "url=$DATABASE_URL"`,
    )
    assert.match(explicit, new RegExp(`^url=${developer.replaceAll('.', '\\.')}$`, 'm'))
  })
})
