import { couponFeature } from './coupon/feature.ts'
import { type FlowTopics, prefixTopics } from './platform/kafka.ts'
import type { Feature } from './runtime.ts'
import { timesaleFeature } from './timesale/feature.ts'

/**
 * The flow registry: every kind of promotion the system runs, in the order the CLI lists and starts
 * them. This is the only place that names the flows; the runtime, the CLI (serve, reconcile, dlq, lag,
 * scale) and topic creation iterate it. Adding a kind of promotion means adding its descriptor here.
 */
export const flows: readonly RegisteredFlow[] = [couponFeature, timesaleFeature]

/** One registered flow's descriptor. */
export type RegisteredFlow = Feature

/** The registered flows' names, e.g. for usage lines (`coupon|timesale`). */
export const flowNames: readonly string[] = flows.map((flow) => flow.name)

/** The flow called `name`, or undefined when no flow has that name. */
export function findFlow(name: string | undefined): RegisteredFlow | undefined {
  return flows.find((flow) => flow.name === name)
}

/**
 * The topics of the flow called `name` with the topic prefix in front.
 * @throws Error when no flow has that name.
 */
export function flowTopics(name: string, prefix = ''): FlowTopics {
  const flow = findFlow(name)
  if (!flow) throw new Error(`unknown flow ${name}`)
  return prefixTopics(flow.topics, prefix)
}

/** Every topic of every flow with the topic prefix in front: what `topics` and each service create. */
export function allTopics(prefix = ''): string[] {
  return flows.flatMap((flow) => Object.values(prefixTopics(flow.topics, prefix)))
}
