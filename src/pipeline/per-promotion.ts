/**
 * Splits a batch by promotion and runs `work` for each: promotions concurrently (they share nothing),
 * each promotion's requests in arrival order (its requests all come from one partition, in log order).
 */
export async function perPromotion<T>(
  batch: ReadonlyArray<{ readonly body: T }>,
  promotionOf: (body: T) => string,
  work: (promotionId: string, requests: T[]) => Promise<void>,
): Promise<void> {
  const groups = new Map<string, T[]>()
  for (const { body } of batch) {
    const id = promotionOf(body)
    const group = groups.get(id)
    if (group) group.push(body)
    else groups.set(id, [body])
  }
  await Promise.all([...groups].map(([id, requests]) => work(id, requests)))
}
