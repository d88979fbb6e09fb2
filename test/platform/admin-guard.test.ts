import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { isLoopback, requireAdmin } from '../../src/platform/admin-guard.ts'
import { createHttpServer, type FastifyInstance } from '../../src/platform/http.ts'
import { createRegistry, type Registry } from '../../src/platform/metrics.ts'

describe('admin guard', () => {
  it('knows loopback addresses, and only those', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
      assert.equal(isLoopback(address), true, address)
    }
    for (const address of [
      '10.0.0.1',
      '0.0.0.0',
      '::',
      '::ffff:10.1.1.1',
      '128.0.0.1',
      'fe80::1',
      '',
      undefined,
    ]) {
      assert.equal(isLoopback(address), false, String(address))
    }
  })

  describe('with a token configured', () => {
    let app: FastifyInstance
    let registry: Registry
    const lines: string[] = []

    before(async () => {
      registry = createRegistry('test')
      const sink = new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk))
          done()
        },
      })
      app = await createHttpServer(
        {
          name: 'test',
          title: 'Test',
          bodyLimit: 1024,
          logger: pino({ level: 'warn' }, sink),
          registry,
          readiness: {},
        },
        (instance) => {
          instance.get('/api/admin/thing', { onRequest: requireAdmin('s3cret-token') }, async () => ({
            ok: true,
          }))
        },
      )
    })
    after(() => app.close())

    async function refusedCount(code: string): Promise<number> {
      const metric = await registry.getSingleMetric('http_admin_refused_total')?.get()
      return metric?.values.find((value) => value.labels.code === code)?.value ?? -1
    }

    it('lets the right bearer token in, from anywhere', async () => {
      const response = await app.inject({
        url: '/api/admin/thing',
        remoteAddress: '10.9.8.7',
        headers: { authorization: 'Bearer s3cret-token' },
      })
      assert.equal(response.statusCode, 200)
    })

    it('answers a missing or wrong token with 401 UNAUTHORIZED, counts and logs it without the token', async () => {
      assert.equal(await refusedCount('UNAUTHORIZED'), 0)
      const attempts = [
        undefined,
        'Bearer nope',
        'Bearer s3cret-token2',
        's3cret-token',
        'Bearer s3cret-toke',
      ]
      for (const authorization of attempts) {
        const response = await app.inject({
          url: '/api/admin/thing?x=1',
          ...(authorization ? { headers: { authorization } } : {}),
        })
        assert.equal(response.statusCode, 401, String(authorization))
        assert.equal(response.json().code, 'UNAUTHORIZED')
      }
      assert.equal(await refusedCount('UNAUTHORIZED'), attempts.length)
      const refusals = lines
        .map((line) => JSON.parse(line))
        .filter((entry) => entry.msg === 'admin request refused')
      assert.equal(refusals.length, attempts.length)
      assert.equal(refusals[0].code, 'UNAUTHORIZED')
      assert.equal(refusals[0].path, '/api/admin/thing')
      assert.doesNotMatch(lines.join(''), /s3cret|nope/)
    })
  })
})
