import { randomUUID } from 'node:crypto'
import calculateSlot from 'cluster-key-slot'

/**
 * Request ids that carry a Redis Cluster hash slot, so that a request's status-index entry can live in
 * its promotion's slot — written by the accept script itself, in the one round trip of an accept — and
 * still be found from the request id alone.
 *
 * The id is an RFC 9562 UUID version 8 (custom): its first 14 bits are the slot (0–16383, the CRC16 of the
 * promotion's hash tag per the Redis Cluster spec), the version nibble is 8, the variant is 10, and the
 * other 108 bits are random (from `randomUUID`), so ids stay unguessable. Any other UUID (version 4, an
 * id issued before, another system's version 8 that happens to parse) simply looks in a slot where its
 * entry is not, and is answered from PostgreSQL or 404 as before.
 */

/** Hash slots of a Redis Cluster. */
const SLOTS = 16_384

/** The hash slot of a Redis hash tag such as `c:42` (the text inside `{…}`). */
export function slotOfTag(tag: string): number {
  return calculateSlot(tag)
}

/** A fresh version-8 request id carrying `slot` in its first 14 bits. */
export function requestIdInSlot(slot: number): string {
  const uuid = randomUUID()
  // Two random bits from the fourth hex digit complete the first 16 bits; the variant bits are already 10.
  const head = ((slot << 2) | (Number.parseInt(uuid.charAt(3), 16) & 3)).toString(16).padStart(4, '0')
  return `${head}${uuid.slice(4, 14)}8${uuid.slice(15)}`
}

/** The slot a version-8 request id carries (any letter case), or `undefined` for any other UUID. */
export function slotOfRequestId(requestId: string): number | undefined {
  if (requestId.length !== 36 || requestId.charCodeAt(14) !== 56 /* '8' */) return undefined
  const head = Number.parseInt(requestId.slice(0, 4), 16)
  return Number.isNaN(head) ? undefined : head >>> 2
}

let tags: string[] | undefined

/**
 * A short string (1–4 characters of `0-9a-z`) whose hash slot is `slot`: the hash tag of keys that must
 * share that slot, e.g. `{<tag>}:c:req:<requestId>`. The table of all 16,384 is built once, on first use
 * (about 90,000 CRC16s of short strings, ~10 ms).
 */
export function tagOfSlot(slot: number): string {
  tags ??= buildTags()
  const tag = tags[slot]
  if (tag === undefined) throw new RangeError(`not a hash slot: ${slot}`)
  return tag
}

function buildTags(): string[] {
  const table = new Array<string>(SLOTS)
  let missing = SLOTS
  for (let n = 0; missing > 0; n++) {
    const candidate = n.toString(36)
    const slot = calculateSlot(candidate)
    if (table[slot] === undefined) {
      table[slot] = candidate
      missing--
    }
  }
  return table
}
