import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  agreementCheck,
  asyncLostCheck,
  fifoCheck,
  type OutcomeRow,
  oversellCheck,
  perUserCheck,
  syncLostCheck,
  undersellCheck,
} from '../../bench/targets/checks.ts'

const won: OutcomeRow = { won: true, soldOut: false, published: true }
const lost: OutcomeRow = { won: false, soldOut: true, published: true }

describe('invariant checks', () => {
  it('no oversell: taken ≤ stock and the counter column agrees', () => {
    assert.equal(oversellCheck(100, 100, 100).ok, true)
    assert.equal(oversellCheck(101, 100, 101).ok, false)
    assert.equal(oversellCheck(99, 100, 100).ok, false)
  })

  it('per user: flags users over the limit in the database or told success too often', () => {
    assert.equal(perUserCheck(0, [1, 2, 3]).ok, true)
    assert.equal(perUserCheck(1, [1, 2, 3]).ok, false)
    assert.equal(perUserCheck(0, [1, 2, 2]).ok, false)
    assert.equal(perUserCheck(0, [1, 2, 2], 2).ok, true)
  })

  it('no undersell applies only when demand exceeded stock', () => {
    assert.equal(undersellCheck(50, 100, 80).ok, null)
    assert.equal(undersellCheck(100, 100, 500).ok, true)
    assert.equal(undersellCheck(99, 100, 500).ok, false)
  })

  it('v1/v2 nothing lost: every success has its row; a row without an answer only after transport failures', () => {
    assert.equal(syncLostCheck(['1', '2'], new Set(['1', '2']), 0).ok, true)
    assert.equal(syncLostCheck(['1', '2'], new Set(['1']), 0).ok, false)
    assert.equal(syncLostCheck(['1'], new Set(['1', '2']), 0).ok, false)
    assert.equal(syncLostCheck(['1'], new Set(['1', '2']), 1).ok, true)
  })

  it('v3 nothing lost: every accepted request has a terminal, published row', () => {
    const rows = new Map([
      ['a', won],
      ['b', lost],
    ])
    assert.equal(asyncLostCheck(['a', 'b'], rows).ok, true)
    assert.equal(asyncLostCheck(['a', 'b', 'c'], rows).ok, false)
    assert.equal(asyncLostCheck(['a'], new Map([['a', { ...won, published: false }]])).ok, false)
  })

  it('FIFO: n/a without sold-out losers, violated by a winner sent after a loser was accepted', () => {
    assert.equal(fifoCheck(['a'], [0], [1], new Map([['a', won]])).ok, null)
    const rows = new Map([
      ['a', lost],
      ['b', won],
    ])
    assert.equal(fifoCheck(['a', 'b'], [0, 5], [2, 6], rows).ok, false)
    assert.equal(fifoCheck(['b', 'a'], [0, 1], [3, 4], new Map([...rows])).ok, true)
  })

  it('Redis = PostgreSQL: same count and no leftovers', () => {
    assert.equal(agreementCheck(10, 10, { pending: 0 }).ok, true)
    assert.equal(agreementCheck(11, 10, { pending: 0 }).ok, false)
    const left = agreementCheck(10, 10, { pending: 2 })
    assert.equal(left.ok, false)
    assert.match(left.detail, /pending=2/)
  })
})
