/**
 * Splits a batch by promotion and runs `work` for each: promotions concurrently (they share nothing),
 * each promotion's requests in arrival order (its requests all come from one partition, in log order).
 * Returns what each promotion's work returned.
 */
export async function perPromotion<T, R>(
  batch: ReadonlyArray<{ readonly body: T }>,
  promotionOf: (body: T) => string,
  work: (promotionId: string, requests: T[]) => Promise<R>,
): Promise<R[]> {
  const groups = new Map<string, T[]>()
  for (const { body } of batch) {
    const id = promotionOf(body)
    const group = groups.get(id)
    if (group) group.push(body)
    else groups.set(id, [body])
  }
  return Promise.all([...groups].map(([id, requests]) => work(id, requests)))
}
