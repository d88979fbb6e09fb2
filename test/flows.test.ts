import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { commands } from '../src/cli/index.ts'
import { allTopics, findFlow, flowNames, flows, flowTopics } from '../src/flows.ts'

describe('flow registry', () => {
  it('keeps the seed topic names of each flow, prefixed on request', () => {
    assert.deepEqual(flowNames, ['coupon', 'timesale'])
    assert.deepEqual(flowTopics('coupon'), {
      requests: 'coupon-issue-requests',
      success: 'coupon-issue-success',
      failures: 'coupon-issue-failures',
      dlq: 'coupon-issue-dlq',
    })
    assert.deepEqual(flowTopics('timesale', 't1-'), {
      requests: 't1-timesale-order-requests',
      success: 't1-timesale-order-success',
      failures: 't1-timesale-order-failures',
      dlq: 't1-timesale-order-dlq',
    })
    assert.equal(allTopics('p-').length, 8)
    assert.ok(allTopics('p-').every((topic) => topic.startsWith('p-')))
    assert.throws(() => flowTopics('raffle'), /unknown flow raffle/)
  })

  it('finds flows by name only', () => {
    assert.equal(findFlow('coupon')?.title, 'Coupon service')
    assert.equal(findFlow('all'), undefined)
    assert.equal(findFlow(undefined), undefined)
  })

  it('gives every flow its serve command and names every flow in the usage lines', () => {
    for (const flow of flows) {
      assert.ok(commands[flow.name], `command ${flow.name}`)
      assert.match(commands[flow.name]?.summary ?? '', new RegExp(flow.portVariable))
    }
    for (const name of ['dlq', 'lag', 'reconcile', 'scale']) {
      assert.match(commands[name]?.usage ?? '', /coupon\|timesale/, name)
    }
  })

  it('rejects a flow the registry does not know, before connecting anywhere', async () => {
    const error = console.error
    console.error = () => {}
    try {
      assert.equal(await commands.dlq?.run(['list', '--flow', 'raffle']), 2)
      assert.equal(await commands.lag?.run(['--flow', 'raffle']), 2)
      assert.equal(await commands.reconcile?.run(['--flow', 'raffle']), 2)
      assert.equal(await commands.scale?.run(['--service', 'raffle']), 2)
    } finally {
      console.error = error
    }
  })
})
