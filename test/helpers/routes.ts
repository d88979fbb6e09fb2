/** The routes of a running service, read from Fastify itself, and raw HTTP/1.1 exchanges with it. */
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import type { FastifyInstance } from '../../src/platform/http.ts'
import { createRuntime, type Feature, type Runtime, startFeature } from '../../src/runtime.ts'
import { cleanup, testConfig } from './stack.ts'

export interface Started {
  readonly app: FastifyInstance
  readonly url: string
  readonly runtime: Runtime
  close(): Promise<void>
}

/** A service on the real stack (no consumer), with its Fastify instance at hand to list its routes. */
export async function startWithApp<T>(
  feature: Feature<T>,
  overrides: Record<string, string> = {},
): Promise<Started> {
  const config = testConfig(overrides)
  const runtime = await createRuntime(config, feature.name)
  const started = await startFeature(runtime, feature, { port: 0, consume: false })
  assert.ok(started.app && started.url)
  return {
    app: started.app,
    url: started.url,
    runtime,
    async close() {
      await runtime.lifecycle.close()
      await cleanup(config)
    },
  }
}

/** Every (method, path) of `app`, read from `printRoutes`' tree (4 characters of indent per level). */
export function routesOf(app: FastifyInstance): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = []
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?)(?: \(([^)]*)\))?$/.exec(line)
    if (!match) continue
    const depth = (match[1] ?? '').length / 4
    stack.length = depth
    stack.push(match[2] ?? '')
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      routes.push({ method, path: stack.join('') })
    }
  }
  return routes
}

/** A concrete URL for a route pattern, with parameters that pass their own rules (`requestId` given). */
export function concrete(path: string, requestId = '0b7c3f1e-8a4d-4c2b-9e5f-1a2b3c4d5e6f'): string {
  return path
    .replace(/:requestId/g, requestId)
    .replace(/:userId/g, '1001')
    .replace(/:[A-Za-z]+/g, '1')
    .replace(/^\/docs\/\*$/, '/docs/static/index.html')
    .replace(/\*$/, '/')
}

export interface RawAnswer {
  /** 0 when no status line arrived in time. */
  readonly status: number
  readonly head: string
  readonly body: string
  /** Milliseconds from sending to the end of the headers (`\r\n\r\n`), or undefined. */
  readonly headMs: number | undefined
  /** Whether the server ended the answer (or the connection) within the time. */
  readonly ended: boolean
  /** Closes the connection (already closed unless `hold` was asked). */
  close(): void
}

/**
 * Sends `text` as is on a new TCP connection and reads for up to `ms`: the bytes a curl-like client sees,
 * with no client library deciding anything. For a HEAD, `ended` means the headers arrived (no body follows);
 * otherwise that the connection closed or a Content-Length body is complete. With `hold` it resolves once
 * the headers arrived and the connection stays open (a client that keeps its socket), until `close()`.
 */
export function rawExchange(url: string, text: string, ms = 2_000, hold = false): Promise<RawAnswer> {
  const { hostname, port } = new URL(url)
  const isHead = text.startsWith('HEAD ')
  return new Promise((resolve) => {
    const started = performance.now()
    let data = ''
    let headMs: number | undefined
    const socket = connect(Number(port), hostname, () => socket.write(text))
    const close = () => socket.destroy()
    let finished = false
    const finish = (ended: boolean) => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      if (!hold) close()
      const split = data.indexOf('\r\n\r\n')
      const head = split >= 0 ? data.slice(0, split) : data
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
      resolve({ status, head, body: split >= 0 ? data.slice(split + 4) : '', headMs, ended, close })
    }
    const timer = setTimeout(() => finish(false), ms)
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      data += chunk
      const split = data.indexOf('\r\n\r\n')
      if (split < 0) return
      headMs ??= performance.now() - started
      const length = /\r\ncontent-length: *(\d+)/i.exec(data.slice(0, split))?.[1]
      if (
        hold ||
        isHead ||
        (length !== undefined && Buffer.byteLength(data.slice(split + 4)) >= Number(length))
      ) {
        finish(true)
      }
    })
    socket.on('close', () => finish(true))
    socket.on('error', () => finish(true))
  })
}

/** The header fields of a raw answer's head, names in lower case. */
export function headerFields(head: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':')
    if (colon > 0) fields[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return fields
}
