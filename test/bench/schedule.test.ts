import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  distinctUsers,
  dueUpTo,
  globalIndex,
  intendedTime,
  nextSweepRate,
  niceRate,
  openLoopTotal,
  type SweepPlan,
  splitEvenly,
  userIndex,
  workerShare,
} from '../../bench/lib/schedule.ts'

describe('open-loop schedule', () => {
  it('spaces requests evenly from the start time, whatever happens to earlier ones', () => {
    assert.equal(intendedTime(1000, 500, 0), 1000)
    assert.equal(intendedTime(1000, 500, 1), 1002)
    assert.equal(intendedTime(1000, 500, 250), 1500)
    assert.equal(openLoopTotal(5000, 2000), 10_000)
    assert.equal(openLoopTotal(3, 500), 2)
  })

  it('gives K workers interleaved shares that add up to the whole stream exactly once', () => {
    const total = 1003
    const workers = 3
    const seen = new Set<number>()
    let sum = 0
    for (let w = 0; w < workers; w++) {
      const share = workerShare(total, w, workers)
      sum += share
      for (let j = 0; j < share; j++) seen.add(globalIndex(j, w, workers))
    }
    assert.equal(sum, total)
    assert.equal(seen.size, total)
    assert.equal(Math.max(...seen), total - 1)
    assert.equal(workerShare(2, 2, 3), 0)
  })

  it('counts the requests due by now for one worker, capped at its share', () => {
    // 1000/s: request g is due at start + g ms. At +10 ms requests 0..10 are due (11).
    assert.equal(dueUpTo(0, 1000, 10, 0, 1, 100), 11)
    // Two workers: worker 0 owns 0,2,4,6,8,10 (6 of them), worker 1 owns 1,3,5,7,9 (5).
    assert.equal(dueUpTo(0, 1000, 10, 0, 2, 100), 6)
    assert.equal(dueUpTo(0, 1000, 10, 1, 2, 100), 5)
    assert.equal(dueUpTo(0, 1000, -1, 0, 1, 100), 0)
    assert.equal(dueUpTo(0, 1000, 1e9, 0, 1, 100), 100)
  })

  it('splits clients evenly, larger parts first', () => {
    assert.deepEqual(splitEvenly(100, 3), [34, 33, 33])
    assert.deepEqual(splitEvenly(2, 4), [1, 1, 0, 0])
  })
})

describe('users of a run', () => {
  it('gives every request its own user when nothing repeats', () => {
    assert.deepEqual(
      [0, 1, 2].map((g) => userIndex(g, 0)),
      [1, 2, 3],
    )
    assert.equal(distinctUsers(50, 0), 50)
  })

  it('makes every n-th request repeat the previous user', () => {
    const users = Array.from({ length: 20 }, (_, g) => userIndex(g, 10))
    assert.deepEqual(users.slice(0, 11), [1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10])
    assert.equal(users[19], users[18])
    assert.equal(new Set(users).size, distinctUsers(20, 10))
    assert.equal(distinctUsers(25, 10), 23)
  })
})

describe('rate sweep', () => {
  const plan: SweepPlan = {
    startRate: 1000,
    factor: 1.5,
    maxSteps: 8,
    refineSteps: 1,
    maxRate: 50_000,
    minRate: 100,
  }

  it('grows geometrically while steps pass', () => {
    assert.equal(nextSweepRate(plan, []), 1000)
    assert.equal(nextSweepRate(plan, [{ rate: 1000, passed: true }]), 1500)
    assert.equal(
      nextSweepRate(plan, [
        { rate: 1000, passed: true },
        { rate: 1500, passed: true },
      ]),
      2300,
    )
  })

  it('bisects once between the best pass and the first failure, then stops', () => {
    const steps = [
      { rate: 1000, passed: true },
      { rate: 1500, passed: true },
      { rate: 2300, passed: false },
    ]
    assert.equal(nextSweepRate(plan, steps), 1900)
    assert.equal(nextSweepRate(plan, [...steps, { rate: 1900, passed: true }]), undefined)
  })

  it('looks lower when even the first rate fails, and stops at the step limit or the ceiling', () => {
    assert.equal(nextSweepRate(plan, [{ rate: 1000, passed: false }]), 500)
    const noRefine = { ...plan, refineSteps: 0 }
    assert.equal(nextSweepRate(noRefine, [{ rate: 1000, passed: false }]), 500)
    assert.equal(
      nextSweepRate(noRefine, [
        { rate: 1000, passed: false },
        { rate: 500, passed: true },
      ]),
      undefined,
    )
    assert.equal(nextSweepRate(plan, [{ rate: 150, passed: false }]), undefined)
    const full = Array.from({ length: 8 }, (_, i) => ({ rate: 100 * (i + 1), passed: true }))
    assert.equal(nextSweepRate(plan, full), undefined)
    assert.equal(nextSweepRate({ ...plan, maxRate: 1000 }, [{ rate: 1000, passed: true }]), undefined)
  })

  it('rounds rates to two significant digits', () => {
    assert.equal(niceRate(1234), 1200)
    assert.equal(niceRate(87.4), 87)
    assert.equal(niceRate(15_555), 16_000)
    assert.equal(niceRate(0.3), 1)
  })
})
