import { hostname } from 'node:os'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export { Counter, Gauge, Histogram, type Registry }

/**
 * One registry per process, with Node.js process metrics and `service` and `instance` labels on everything
 * (`instance`: which of several instances of the service, by default host name and pid).
 */
export function createRegistry(service: string, instance = `${hostname()}-${process.pid}`): Registry {
  const registry = new Registry()
  registry.setDefaultLabels({ service, instance })
  collectDefaultMetrics({ register: registry })
  return registry
}

/** Latency buckets in seconds, dense below 50 ms where the accept path lives. */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1, 2, 5, 10,
]

/**
 * The metric `name` of `registry`, made by `make` on first use: a process that runs several services on
 * one registry (`node src/main.ts all`) shares each metric between them, since a name can be registered
 * only once.
 */
export function metricOnce<M>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make()
}
