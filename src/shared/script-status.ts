import { AppError, type ErrorCode } from '../errors.ts'
import { MissingStateError } from './rebuildable-state.ts'

/**
 * The one reply convention of the promotion Lua scripts (src/<flow>/lua/*.lua): every script returns a
 * table whose first element is a status from this list and whose other elements are its payload.
 * - `OK`: done; the payload is the script's result (a decision per request, a ticket, a count, ...);
 * - `NOSTATE`: the promotion's state is missing (Redis lost it) and must be rebuilt from PostgreSQL;
 * - a refusal: the request cannot succeed, answered with the error code it maps to here
 *   (`ALREADY_PENDING` — the user's request is still in flight — is told to the client as
 *   `ALREADY_ISSUED`, as the product contract asks).
 * The scripts spell the same strings.
 */
export const SCRIPT_STATUSES = {
  OK: undefined,
  NOSTATE: undefined,
  ALREADY_ISSUED: 'ALREADY_ISSUED',
  ALREADY_PENDING: 'ALREADY_ISSUED',
  SOLD_OUT: 'SOLD_OUT',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
} as const satisfies Record<string, ErrorCode | undefined>

const REFUSALS: ReadonlyMap<string, ErrorCode> = new Map(
  Object.entries(SCRIPT_STATUSES).flatMap(([status, code]) => (code ? [[status, code] as const] : [])),
)

/**
 * Maps a promotion script's reply (`{status, ...payload}`) to its payload, the one place that reads a
 * script's status:
 * - `OK` → the payload (the elements after the status, possibly none);
 * - `NOSTATE` → throws {@link MissingStateError} (the caller's `withState` rebuilds and runs it again);
 * - a refusal → throws {@link AppError} with the code of {@link SCRIPT_STATUSES};
 * - anything else → throws a plain Error (a script and its caller disagree: a bug, `INTERNAL_ERROR`).
 * `kind` and `id` name the promotion in the errors, e.g. `time sale`, `42`.
 */
export function scriptPayload(reply: unknown, kind: string, id: string): unknown[] {
  const status = Array.isArray(reply) ? reply[0] : undefined
  if (status === 'OK') return (reply as unknown[]).slice(1)
  if (status === 'NOSTATE') throw new MissingStateError(`no Redis state for ${kind} ${id}`)
  const refusal = typeof status === 'string' ? REFUSALS.get(status) : undefined
  if (refusal) throw new AppError(refusal)
  throw new Error(`unexpected Lua reply for ${kind} ${id}: ${JSON.stringify(reply)}`)
}
