import { fileURLToPath } from 'node:url'
import { LuaScripts, type Redis, readScripts, type ScriptFile } from '../platform/redis.ts'
import { scriptPayload } from './script-status.ts'

/**
 * The scripts every flow has (`lua/<name>-<numKeys>.lua`): the accept path's `accept` (v3) and `precheck`
 * (v2), the consumer's `reserve` and `settle`, `claim` (v1), and `installState` / `repair` (rebuild and
 * reconciliation). A flow adds its own, e.g. the undo of a failed publish.
 */
type PromotionScriptName = 'accept' | 'precheck' | 'reserve' | 'settle' | 'claim' | 'installState' | 'repair'

/** The Lua fragments every flow's scripts may include (`--- @include "state"`, ...). */
const INCLUDES = fileURLToPath(new URL('./lua/includes', import.meta.url))

/** A flow's promotion scripts from `directory` (e.g. `src/coupon/lua`), shared fragments inlined. */
export function readPromotionScripts(directory: URL): ScriptFile[] {
  return readScripts(fileURLToPath(directory), { includes: INCLUDES })
}

/**
 * A flow's promotion scripts on one client: each call's reply is read by {@link scriptPayload}, so every
 * stock class gets payloads, {@link MissingStateError} or a coded refusal in the same way. `Extra` names
 * the flow's scripts beyond {@link PromotionScriptName}.
 */
export class PromotionScripts<Extra extends string = never> {
  readonly #scripts: LuaScripts<PromotionScriptName | Extra>
  readonly #kind: string

  /** `kind` names the promotion in errors, e.g. `coupon policy`. */
  constructor(redis: Redis, scripts: readonly ScriptFile[], kind: string) {
    this.#scripts = new LuaScripts(redis, scripts)
    this.#kind = kind
  }

  /** Runs `name` for promotion `id` and returns the payload of its `OK` reply (see {@link scriptPayload}). */
  async call(
    name: PromotionScriptName | Extra,
    id: string,
    keys: readonly string[],
    args: ReadonlyArray<string | number> = [],
  ): Promise<unknown[]> {
    return scriptPayload(await this.#scripts.run(name, keys, args), this.#kind, id)
  }
}

/**
 * How an install treats state already in place under the promotion's id: `keep` the promotion's own
 * (installed meanwhile by another process); `replace` whatever is there (reconciliation); `created`: the
 * promotion was just created, so state not stamped with its creation instant — unstamped state included —
 * is an earlier promotion's and is replaced (`lua/includes/install.lua`).
 */
export type InstallMode = 'keep' | 'replace' | 'created'

/** The install scripts' `mode` argument. */
export const INSTALL_MODES: Record<InstallMode, number> = { keep: 0, replace: 1, created: 2 }
