import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import calculateSlot from 'cluster-key-slot'
import fc from 'fast-check'
import { requestIdInSlot, slotOfRequestId, slotOfTag, tagOfSlot } from '../../src/shared/slot-ids.ts'

const RFC_9562_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('request ids that carry a Redis Cluster hash slot', () => {
  it('the slot read back from an id is its promotion slot, for any promotion id and in any letter case', () => {
    fc.assert(
      fc.property(fc.constantFrom('c', 't'), fc.bigInt({ min: 1n, max: 10n ** 18n - 1n }), (flow, id) => {
        const slot = slotOfTag(`${flow}:${id}`)
        assert.equal(slot, calculateSlot(`{${flow}:${id}}:meta`), 'the slot of the promotion keys')
        const requestId = requestIdInSlot(slot)
        assert.match(requestId, RFC_9562_V8)
        assert.equal(slotOfRequestId(requestId), slot)
        assert.equal(slotOfRequestId(requestId.toUpperCase()), slot)
      }),
      { numRuns: 2_000 },
    )
  })

  it('covers the slot range edges and keeps the rest of the id random', () => {
    for (const slot of [0, 1, 8191, 16383]) {
      const ids = new Set(Array.from({ length: 200 }, () => requestIdInSlot(slot)))
      assert.equal(ids.size, 200, 'no repeats')
      for (const id of ids) assert.equal(slotOfRequestId(id), slot)
    }
  })

  it('a version-4 UUID (and anything not 36 characters) carries no slot', () => {
    for (let i = 0; i < 200; i++) assert.equal(slotOfRequestId(randomUUID()), undefined)
    assert.equal(slotOfRequestId('not-a-uuid'), undefined)
    assert.equal(slotOfRequestId(''), undefined)
  })

  it('every slot has a short tag that hashes to it', () => {
    for (let slot = 0; slot < 16_384; slot++) {
      const tag = tagOfSlot(slot)
      assert.ok(tag.length <= 4, tag)
      assert.equal(calculateSlot(`{${tag}}:c:req:x`), slot)
    }
    assert.throws(() => tagOfSlot(16_384), RangeError)
  })
})
