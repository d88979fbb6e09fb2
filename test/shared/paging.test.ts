import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, pageLinks, pageRequest } from '../../src/shared/paging.ts'

describe('paging', () => {
  it('defaults to the first page of DEFAULT_PAGE_LIMIT items', () => {
    assert.deepEqual(pageRequest({}), { limit: DEFAULT_PAGE_LIMIT, offset: 0 })
    assert.deepEqual(pageRequest({ limit: String(MAX_PAGE_LIMIT), offset: '7' }), {
      limit: MAX_PAGE_LIMIT,
      offset: 7,
    })
  })

  it('links the next page while items follow and the previous one after the first', () => {
    const path = '/api/coupons/users/1001'
    assert.equal(
      pageLinks(path, { limit: 100, offset: 0 }, 1003),
      `<${path}?limit=100&offset=100>; rel="next"`,
    )
    assert.equal(
      pageLinks(path, { limit: 100, offset: 1000 }, 1003),
      `<${path}?limit=100&offset=900>; rel="prev"`,
    )
    assert.equal(
      pageLinks(path, { limit: 100, offset: 900 }, 1003),
      `<${path}?limit=100&offset=1000>; rel="next", <${path}?limit=100&offset=800>; rel="prev"`,
    )
    assert.equal(pageLinks(path, { limit: 100, offset: 0 }, 100), undefined, 'one full page: no next')
    assert.equal(pageLinks(path, { limit: 100, offset: 0 }, 0), undefined, 'empty list')
    // Past the end: back to the last page.
    assert.equal(
      pageLinks(path, { limit: 100, offset: 5000 }, 1003),
      `<${path}?limit=100&offset=903>; rel="prev"`,
    )
  })
})
