import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import { requireDashboardAccess } from '../platform/admin-guard.ts'
import type { FastifyInstance } from '../platform/http.ts'

const PUBLIC_DIR = fileURLToPath(new URL('./public', import.meta.url))
// The chart library is served as published on npm, straight from node_modules: no bundler, no download.
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot'))
/** The files of uPlot the page loads; nothing else of the package is served. */
const VENDOR_FILES = ['uPlot.iife.min.js', 'uPlot.min.css'] as const

/** What the page needs to know about the service it is served by. */
export interface DashboardOptions {
  /** `coupon` or `timesale`: which flow's admin endpoints the page reads. */
  readonly flow: string
  /** The flow's API prefix, e.g. `/api/coupons`. */
  readonly apiPrefix: string
  /** With a token configured, the page and its assets are public (they hold no data). */
  readonly adminToken: string
}

/**
 * The live operations dashboard at `/dashboard/`: static files (page, script, styles) and uPlot from
 * node_modules at `/dashboard/vendor/`. The page reads the flow's admin endpoints, so its data is as
 * protected as they are; the files themselves are loopback-only when no admin token is configured.
 */
export async function registerDashboard(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  const onRequest = requireDashboardAccess(options.adminToken)
  await app.register(async (scope) => {
    scope.addHook('onRequest', onRequest)
    // One route per file (`wildcard: false`): an unknown path under /dashboard/ is a 404, a known file
    // answers only GET and HEAD (405 otherwise).
    await scope.register(fastifyStatic, {
      root: PUBLIC_DIR,
      prefix: '/dashboard/',
      index: 'index.html',
      wildcard: false,
    })
    for (const file of VENDOR_FILES) {
      scope.get(`/dashboard/vendor/${file}`, { schema: { hide: true } }, (_request, reply) =>
        reply.sendFile(file, UPLOT_DIR),
      )
    }
    scope.get('/dashboard', { schema: { hide: true } }, async (_request, reply) =>
      reply.redirect('/dashboard/'),
    )
    scope.get('/dashboard/config.json', { schema: { hide: true } }, async () => ({
      flow: options.flow,
      apiPrefix: options.apiPrefix,
      tokenRequired: options.adminToken !== '',
    }))
  })
}
