import type { Feature } from '../runtime.ts'

/** The time-sale service (port 3003): flash-sale orders. */
export const timesaleFeature: Feature = {
  name: 'timesale',
  title: 'Time-sale service',
  port: (config) => config.timesale.port,
  groupId: (config) => config.timesale.groupId,
  routes: () => {},
}
