import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { backoffDelay, retry, withTimeout } from '../../src/platform/async.ts'

describe('withTimeout', () => {
  it('settles as the promise does when it is in time', async () => {
    assert.equal(await withTimeout(Promise.resolve(7), 1_000), 7)
    await assert.rejects(withTimeout(Promise.reject(new Error('own failure')), 1_000), /own failure/)
  })

  it('rejects with the given error once the time is up', async () => {
    const started = Date.now()
    await assert.rejects(
      withTimeout(sleep(5_000), 30, () => new Error('too slow')),
      /too slow/,
    )
    assert.ok(Date.now() - started < 1_000)
  })
})

describe('retry', () => {
  it('doubles the wait from baseMs, bounded by maxMs', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, { baseMs: 100, maxMs: 1_000 })),
      [100, 200, 400, 800, 1_000],
    )
    assert.deepEqual(
      [1, 2, 3].map((attempt) => backoffDelay(attempt, { baseMs: 250, factor: 1 })),
      [250, 250, 250],
    )
  })

  it('retries until the function succeeds, reporting each wait', async () => {
    const waits: number[] = []
    const result = await retry(
      async (attempt) => {
        if (attempt < 3) throw new Error(`attempt ${attempt}`)
        return attempt
      },
      { attempts: 5, baseMs: 1, onRetry: (_error, _attempt, delayMs) => waits.push(delayMs) },
    )
    assert.equal(result, 3)
    assert.deepEqual(waits, [1, 2])
  })

  it('rethrows the last error when the attempts are used up', async () => {
    let calls = 0
    await assert.rejects(
      retry(
        async () => {
          calls++
          throw new Error(`failure ${calls}`)
        },
        { attempts: 3, baseMs: 1 },
      ),
      /failure 3/,
    )
    assert.equal(calls, 3)
  })

  it('stops at once when shouldRetry declines', async () => {
    let calls = 0
    await assert.rejects(
      retry(
        async () => {
          calls++
          throw new Error('permanent')
        },
        { attempts: 10, baseMs: 1, shouldRetry: () => false },
      ),
      /permanent/,
    )
    assert.equal(calls, 1)
  })
})
