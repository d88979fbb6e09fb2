/**
 * The status of a v3 request, read the one safe way for every flow: PostgreSQL's outcome first; else the
 * Redis request index (accepted, not settled); else PostgreSQL again, because a consumer may have settled
 * the request between the two reads — it writes the outcome before it drops the index entry, so the
 * second look cannot miss it. `REQUEST_NOT_FOUND` when neither knows the request.
 */
import { AppError } from '../errors.ts'

/** Where a flow's request status comes from. */
export interface RequestStatusSource<S, P> {
  /** The settled status from PostgreSQL, or undefined while there is no outcome. */
  readonly settled: (requestId: string) => Promise<S | undefined>
  /** The request index entry of an accepted, unsettled request. */
  readonly pending: (requestId: string) => Promise<P | undefined>
  /** The status of an unsettled request from its index entry. */
  readonly present: (requestId: string, entry: P) => S | Promise<S>
}

/** @throws AppError `REQUEST_NOT_FOUND` */
export async function readRequestStatus<S, P>(
  requestId: string,
  source: RequestStatusSource<S, P>,
): Promise<S> {
  const outcome = await source.settled(requestId)
  if (outcome) return outcome
  const entry = await source.pending(requestId)
  if (entry) return source.present(requestId, entry)
  const late = await source.settled(requestId)
  if (late) return late
  throw new AppError('REQUEST_NOT_FOUND')
}
