import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { Cluster, Redis as SingleNodeRedis } from 'ioredis'
import { mapClientErrors, redisFailure } from './client-errors.ts'
import type { Logger } from './logger.ts'
import { expandIncludes } from './lua-includes.ts'

/**
 * A Redis connection: one node, or a Redis Cluster. Both speak the same commands; on a cluster every
 * command (and every script) must touch keys of one hash slot, which is why every key of a promotion
 * carries its `{c:<id>}` / `{t:<id>}` hash tag.
 */
export type Redis = SingleNodeRedis | Cluster

export interface RedisOptions {
  /** The single node, e.g. `redis://127.0.0.1:6380`; ignored when `clusterNodes` is not empty. */
  readonly url: string
  readonly keyPrefix: string
  /**
   * Seed nodes of a Redis Cluster as `host:port`, e.g. `["10.0.0.1:7000", "10.0.0.2:7000"]`; empty for a
   * single node (also when absent). The client learns the rest of the cluster (slots, replicas) from them.
   */
  readonly clusterNodes?: readonly string[]
}

const COMMAND_TIMEOUT_MS = 5_000
const CONNECT_TIMEOUT_MS = 5_000

/**
 * A Redis client that fails fast while disconnected (no unbounded offline queue), so a Kafka consumer sees
 * a retryable error instead of hanging, and reconnects with a capped backoff. Every command, pipeline and
 * transaction rejects with a coded error ({@link redisFailure}: `DEPENDENCY_UNAVAILABLE` while Redis is
 * unreachable or busy).
 *
 * With cluster nodes it is an ioredis `Cluster`: it routes each command to the master of its slot,
 * follows `MOVED` / `ASK` redirections, refreshes the slot map when a replica is promoted after its master
 * failed, and re-sends a script's source with `EVAL` on `NOSCRIPT` from whichever node answered so.
 */
export function createRedis(options: RedisOptions, name = 'promotion', logger?: Logger): Redis {
  const redis = options.clusterNodes?.length
    ? createCluster(options.clusterNodes, options, name)
    : createSingleNode(options, name)
  // Without a listener ioredis prints every connection error; commands fail on their own either way.
  let reported = false
  redis.on('error', (error: Error) => {
    if (!reported) logger?.warn({ err: error }, 'Redis connection failed; reconnecting')
    reported = true
  })
  redis.on('ready', () => {
    if (reported) logger?.info('Redis connection restored')
    reported = false
  })
  return mapClientErrors(redis, redisFailure, {
    // A pipeline or transaction is wrapped too; its exec() reports a failed command inside its result.
    nested: new Set(['pipeline', 'multi']),
    mapResolved: (method, value) =>
      method === 'exec' && Array.isArray(value)
        ? value.map(([error, reply]: [unknown, unknown]) => [error ? redisFailure(error) : error, reply])
        : value,
  })
}

function createSingleNode(options: RedisOptions, name: string): SingleNodeRedis {
  return new SingleNodeRedis(options.url, {
    connectionName: name,
    keyPrefix: options.keyPrefix,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    enableAutoPipelining: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    lazyConnect: false,
  })
}

function createCluster(seeds: readonly string[], options: RedisOptions, name: string): Cluster {
  const nodes = seeds.map((node) => {
    const at = node.lastIndexOf(':')
    return { host: node.slice(0, at), port: Number(node.slice(at + 1)) }
  })
  return new Cluster(nodes, {
    redisOptions: {
      connectionName: name,
      keyPrefix: options.keyPrefix,
      maxRetriesPerRequest: 1,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
    },
    enableOfflineQueue: true,
    // Off on a cluster: ioredis follows a MOVED / ASK redirection for a pipeline only when every command
    // in it got the same one, so an automatic pipeline mixing slots surfaces MOVED to callers during a
    // failover. Commands still share one connection per node without waiting for each other.
    enableAutoPipelining: false,
    // A failover (a replica promoted) takes the cluster's node timeout plus an election; commands for the
    // lost master's slots wait for the new slot map this long between attempts, then fail retryably.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    maxRedirections: 16,
    slotsRefreshTimeout: 2_000,
    clusterRetryStrategy: (times) => Math.min(times * 100, 2_000),
  })
}

/**
 * A second connection with the same settings, named `name`, without automatic pipelining: for a
 * subscriber, which can do nothing else while it listens. On a cluster, a client of the same cluster
 * (PUBLISH reaches subscribers on every node).
 */
export function duplicateRedis(redis: Redis, name: string): Redis {
  if (redis instanceof Cluster) {
    return redis.duplicate(undefined, {
      redisOptions: { ...redis.options.redisOptions, connectionName: name },
      enableAutoPipelining: false,
    })
  }
  return redis.duplicate({ connectionName: name, enableAutoPipelining: false })
}

/** A Lua script file: `<name>-<numberOfKeys>.lua`, as in `reserve-coupon-4.lua`. */
export interface ScriptFile {
  readonly name: string
  readonly numberOfKeys: number
  readonly lua: string
}

/**
 * The scripts of `directory` (its `*.lua` files), with their `--- @include "name"` lines replaced by the
 * fragments of `includes` (a directory of `<name>.lua` files; see {@link expandIncludes}). Throws for a
 * file not named `<name>-<numberOfKeys>.lua` and for an include of a fragment that does not exist.
 */
export function readScripts(directory: string, { includes }: { includes?: string } = {}): ScriptFile[] {
  const fragments = new Map(
    includes ? luaFiles(includes).map((file) => [basename(file, '.lua'), readLua(includes, file)]) : [],
  )
  return luaFiles(directory).map((file) => {
    const match = /^(.+)-(\d+)$/.exec(basename(file, '.lua'))
    if (!match?.[1] || !match[2])
      throw new Error(`Lua script ${file} must be named <name>-<numberOfKeys>.lua`)
    const name = match[1].replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())
    const lua = expandIncludes(file, readLua(directory, file), fragments)
    return { name, numberOfKeys: Number(match[2]), lua }
  })
}

function luaFiles(directory: string): string[] {
  return readdirSync(directory).filter((file) => file.endsWith('.lua'))
}

function readLua(directory: string, file: string): string {
  return readFileSync(join(directory, file), 'utf8')
}

type ScriptRunner = (...args: Array<string | number>) => Promise<unknown>

/**
 * Registers Lua scripts as commands. ioredis sends them with EVALSHA and transparently falls back to
 * EVAL on `NOSCRIPT`, so a Redis restart or failover that forgot the scripts is invisible to callers.
 */
export class LuaScripts<Name extends string = string> {
  /** Each script's key count and its command, bound once here rather than on every call. */
  readonly #runners: Map<string, { readonly numberOfKeys: number; readonly run: ScriptRunner }>

  constructor(redis: Redis, scripts: readonly ScriptFile[]) {
    this.#runners = new Map(
      scripts.map((script) => {
        // The command is named after the script's content: flows share one client in a process that runs
        // them all, and their scripts share names (each has an `accept`); ioredis's auto-pipelining looks
        // a script up by command name, so a shared name would run the flow defined last.
        const commandName = `${script.name}_${createHash('sha1').update(script.lua).digest('hex')}`
        redis.defineCommand(commandName, { numberOfKeys: script.numberOfKeys, lua: script.lua })
        const command = (redis as unknown as Record<string, ScriptRunner>)[commandName]
        if (!command) throw new Error(`Lua script ${script.name} is not defined on this client`)
        return [script.name, { numberOfKeys: script.numberOfKeys, run: command.bind(redis) }]
      }),
    )
  }

  /** Runs `name` with its keys (the count must match the file name) and arguments. */
  run(name: Name, keys: readonly string[], args: ReadonlyArray<string | number> = []): Promise<unknown> {
    const script = this.#runners.get(name)
    if (!script) throw new Error(`Unknown Lua script ${name}`)
    if (keys.length !== script.numberOfKeys) {
      throw new Error(`Lua script ${name} takes ${script.numberOfKeys} keys, got ${keys.length}`)
    }
    return script.run(...keys, ...args)
  }
}
