import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['src/main.ts', ...args], { encoding: 'utf8', timeout: 30_000 })
}

describe('command-line ids', () => {
  it('refuses promotion ids that are not canonical digits before connecting anywhere', () => {
    for (const id of ['012', '+12', ' 12', 'abc']) {
      const result = cli('reconcile', '--id', id)
      assert.equal(result.status, 2, `${id}: ${result.stderr}`)
      assert.match(result.stderr, /--id takes promotion ids/)
    }
  })

  it('refuses request ids that are not UUIDs before connecting anywhere', () => {
    for (const id of [
      'urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e',
      '0f8fad5bd9cb469fa16570867728950e',
      'x',
    ]) {
      const result = cli('dlq', 'replay', '--flow', 'coupon', '--request-id', id)
      assert.equal(result.status, 2, `${id}: ${result.stderr}`)
      assert.match(result.stderr, /--request-id takes UUIDs/)
    }
  })
})
