import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AppError } from '../../src/errors.ts'
import { MissingStateError } from '../../src/shared/rebuildable-state.ts'
import { SCRIPT_STATUSES, scriptPayload } from '../../src/shared/script-status.ts'

describe('scriptPayload: the one reading of a promotion script reply', () => {
  it('returns the payload after OK, empty when there is none', () => {
    assert.deepEqual(scriptPayload(['OK', 7, 'x'], 'time sale', '1'), [7, 'x'])
    assert.deepEqual(scriptPayload(['OK'], 'time sale', '1'), [])
    assert.deepEqual(scriptPayload(['OK', 'ISSUED', 'SOLD_OUT'], 'coupon policy', '1'), [
      'ISSUED',
      'SOLD_OUT',
    ])
  })

  it('turns NOSTATE into MissingStateError naming the promotion', () => {
    assert.throws(
      () => scriptPayload(['NOSTATE'], 'coupon policy', '42'),
      (error) => error instanceof MissingStateError && /coupon policy 42/.test(error.message),
    )
  })

  it('turns every refusal into the AppError of its code; a pending request is ALREADY_ISSUED', () => {
    const cases: Array<[string, string]> = [
      ['ALREADY_ISSUED', 'ALREADY_ISSUED'],
      ['ALREADY_PENDING', 'ALREADY_ISSUED'],
      ['SOLD_OUT', 'SOLD_OUT'],
      ['LIMIT_EXCEEDED', 'LIMIT_EXCEEDED'],
    ]
    for (const [status, code] of cases) {
      assert.throws(
        () => scriptPayload([status], 'time sale', '1'),
        (error) => error instanceof AppError && error.code === code && error.status === 409,
        status,
      )
    }
    const refusals = Object.entries(SCRIPT_STATUSES).filter(([, code]) => code !== undefined)
    assert.equal(refusals.length, cases.length, 'every refusal status is covered above')
  })

  it('refuses a reply outside the convention as a plain error (a bug, not a business outcome)', () => {
    for (const reply of [0, -1, 'OK', null, [], [1], ['ACCEPTED'], ['ok']]) {
      assert.throws(
        () => scriptPayload(reply, 'coupon policy', '1'),
        (error) =>
          error instanceof Error &&
          !(error instanceof AppError) &&
          !(error instanceof MissingStateError) &&
          /unexpected Lua reply/.test(error.message),
        JSON.stringify(reply),
      )
    }
  })
})
