import { LuaScripts, type Redis, type ScriptFile } from '../platform/redis.ts'
import { scriptPayload } from './script-status.ts'

/**
 * A flow's promotion scripts on one client: each call's reply is read by {@link scriptPayload}, so every
 * stock class gets payloads, {@link MissingStateError} or a coded refusal in the same way.
 */
export class PromotionScripts<Name extends string> {
  readonly #scripts: LuaScripts<Name>
  readonly #kind: string

  /** `kind` names the promotion in errors, e.g. `coupon policy`. */
  constructor(redis: Redis, scripts: readonly ScriptFile[], kind: string) {
    this.#scripts = new LuaScripts(redis, scripts)
    this.#kind = kind
  }

  /** Runs `name` for promotion `id` and returns the payload of its `OK` reply (see {@link scriptPayload}). */
  async call(
    name: Name,
    id: string,
    keys: readonly string[],
    args: ReadonlyArray<string | number> = [],
  ): Promise<unknown[]> {
    return scriptPayload(await this.#scripts.run(name, keys, args), this.#kind, id)
  }
}
