import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'puppeteer-core'
import { couponFeature } from '../../src/coupon/feature.ts'
import { flowTopics } from '../../src/flows.ts'
import { userIds } from '../coupon/fixtures.ts'
import { browserSkipReason, type LaunchedBrowser, launchChromium } from '../helpers/browser.ts'
import { request } from '../helpers/http.ts'
import { eventually, startTestService, type TestService, testConfig } from '../helpers/stack.ts'

const TOKEN = `dashboard-${randomUUID()}`
const auth = { authorization: `Bearer ${TOKEN}` }
const ARTIFACTS = resolve('.local/artifacts')

interface DeadLetterList {
  count: number
  messages: Array<{
    requestId: string | null
    partition: number
    offset: string
    errorCode: string | null
    replayed: boolean
    headers: Record<string, string>
  }>
}

/** The text of the first element matching `selector`, or null. */
function textOf(page: Page, selector: string): Promise<string | null> {
  return page.$eval(selector, (element) => element.textContent).catch(() => null)
}

/** Waits until the page shows `expected` in `selector` (the page polls every 2 s). */
async function waitForText(
  page: Page,
  selector: string,
  expected: string,
  timeoutMs = 30_000,
): Promise<void> {
  await eventually(
    async () => ((await textOf(page, selector)) === expected ? true : undefined),
    timeoutMs,
    `${selector} to show ${expected} (shows ${await textOf(page, selector)})`,
  )
}

describe('operations dashboard in Chromium', { skip: browserSkipReason() }, () => {
  let service: TestService
  let chromium: LaunchedBrowser
  let page: Page
  let base: string

  before(async () => {
    service = await startTestService(couponFeature, testConfig({ ADMIN_TOKEN: TOKEN }))
    base = `http://127.0.0.1:${new URL(service.url).port}`
    chromium = await launchChromium()
    page = await chromium.browser.newPage()
    await mkdir(ARTIFACTS, { recursive: true })
  })
  after(async () => {
    await chromium?.close()
    await service?.close()
  })

  it('logs in with the admin token kept in sessionStorage only', async () => {
    await page.goto(`${base}/dashboard`, { waitUntil: 'load' })
    await page.waitForSelector('#login:not([hidden])')
    assert.equal(await page.$eval('#board', (element) => element.hasAttribute('hidden')), true)
    await page.type('#token', TOKEN)
    await page.click('#login button[type=submit]')
    await page.waitForSelector('#board:not([hidden])')
    await waitForText(page, '#lag-total', '0')
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('promotion.adminToken'),
      local: localStorage.length,
    }))
    assert.deepEqual(stored, { session: TOKEN, local: 0 })
  })

  it('shows what the API reports after a v3 burst and a poison message, and replays the dead letter', async (t) => {
    const created = await request<{ id: string }>(
      'POST',
      `${base}/api/coupons/policies`,
      {
        title: '대시보드 테스트 쿠폰',
        totalQuantity: 5,
        startTime: new Date(Date.now() - 60_000).toISOString(),
        endTime: new Date(Date.now() + 600_000).toISOString(),
        discountType: 'FIXED',
        discountValue: 1000,
      },
      auth,
    )
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const policyId = created.body.id
    const burst = await Promise.all(
      userIds(8).map((userId) =>
        request('POST', `${base}/api/coupons/issue?strategy=v3`, { policyId, userId }),
      ),
    )
    assert.ok(burst.filter((answer) => answer.status === 202).length >= 5, 'the burst is accepted')

    const poisonId = randomUUID()
    const topics = flowTopics('coupon', service.runtime.config.kafka.topicPrefix)
    await service.runtime.producer.send({
      topic: topics.requests,
      key: policyId,
      value: '{"v":1,"requestId":',
      headers: { 'request-id': poisonId },
    })

    // The API's own numbers once everything settled.
    const policy = await eventually(
      async () => {
        const answer = await request<{
          totalQuantity: number
          issuedQuantity: number
          remainingQuantity: number
        }>('GET', `${base}/api/coupons/policies/${policyId}`)
        return answer.body.issuedQuantity === 5 ? answer.body : undefined
      },
      60_000,
      'all coupons issued',
    )
    const letters = await eventually(
      async () => {
        const answer = await request<DeadLetterList>('GET', `${base}/api/coupons/admin/dlq`, undefined, auth)
        return answer.body.count === 1 ? answer.body : undefined
      },
      60_000,
      'the poison message in the DLQ',
    )
    const poison = letters.messages[0]
    assert.equal(poison?.requestId, poisonId)
    assert.equal(poison?.errorCode, 'MALFORMED_MESSAGE')
    await eventually(
      async () => {
        const lag = await request<{ totalLag: number }>(
          'GET',
          `${base}/api/coupons/admin/lag`,
          undefined,
          auth,
        )
        return lag.body.totalLag === 0 ? true : undefined
      },
      60_000,
      'lag 0',
    )

    const row = `#promotions tr[data-id="${policyId}"]`
    await waitForText(page, `${row} td[data-field=total]`, String(policy.totalQuantity))
    await waitForText(page, `${row} td[data-field=taken]`, String(policy.issuedQuantity))
    await waitForText(page, `${row} td[data-field=remaining]`, String(policy.remainingQuantity))
    await waitForText(page, `${row} td[data-field=pending]`, '0')
    await waitForText(page, '#lag-total', '0')
    await waitForText(page, '#dlq-count', '1')
    const letterRow = `#dlq tr[data-offset="${poison.partition}:${poison.offset}"]`
    assert.equal(await textOf(page, `${letterRow} td:nth-child(2)`), 'MALFORMED_MESSAGE')
    const before = join(ARTIFACTS, 'dashboard-before-replay.png')
    await page.screenshot({ path: before, fullPage: true })
    t.diagnostic(`screenshot: ${before}`)

    await page.click(`${letterRow} button.replay`)
    // The replayed copy went through the consumer again and, still malformed, is dead-lettered anew,
    // carrying where it was replayed from; the original is marked replayed.
    const after = await eventually(
      async () => {
        const answer = await request<DeadLetterList>('GET', `${base}/api/coupons/admin/dlq`, undefined, auth)
        return answer.body.count === 2 ? answer.body : undefined
      },
      60_000,
      'the replayed poison back in the DLQ',
    )
    const original = after.messages.find(
      (letter) => letter.offset === poison.offset && letter.partition === poison.partition,
    )
    assert.equal(original?.replayed, true)
    const again = after.messages.find((letter) => letter !== original)
    assert.equal(again?.requestId, poisonId)
    assert.match(again?.headers['replayed-from'] ?? '', new RegExp(`:${poison.partition}:${poison.offset}$`))
    await waitForText(page, '#dlq-count', '2')
    await waitForText(page, `${letterRow} td:last-child`, '재처리됨')
    const afterShot = join(ARTIFACTS, 'dashboard-after-replay.png')
    await page.screenshot({ path: afterShot, fullPage: true })
    t.diagnostic(`screenshot: ${afterShot}`)
  })
})
