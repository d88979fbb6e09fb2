import type { Logger } from '../platform/logger.ts'
import type { TimeSaleRepository } from './repository.ts'
import type { TimeSaleStock } from './stock.ts'
import type { Reservable } from './stock-model.ts'

/** What reconciliation found for one sale, and what it changed. */
export interface SaleDrift {
  readonly timeSaleId: string
  readonly postgresSold: number
  readonly redisSold: number
  readonly reservations: number
  readonly inFlight: number
  /** Orders PostgreSQL holds that Redis did not count (or counted with another user or quantity). */
  readonly missingInRedis: number
  /** Reservations Redis holds, settled, that PostgreSQL has no order for. */
  readonly unknownToPostgres: number
  /** `sold` or `users` differ from the sums of the reservations. */
  readonly countMismatch: boolean
  /** Total quantity or per-user limit differ from PostgreSQL. */
  readonly limitsMismatch: boolean
  readonly drifted: boolean
  readonly repaired: { added: number; removed: number } | null
}

/**
 * Compares Redis with PostgreSQL sale by sale and repairs Redis. Redis is read first, PostgreSQL second:
 * a reservation Redis shows without an outcome record in flight was settled before that read, so
 * PostgreSQL must hold its order by the second read — if it does not, it is drift. Additions are always
 * safe (PostgreSQL is the record); removals re-check inside the script that the request is not in flight.
 */
export class TimeSaleReconciler {
  readonly #repository: TimeSaleRepository
  readonly #stock: TimeSaleStock
  readonly #logger: Logger

  constructor(repository: TimeSaleRepository, stock: TimeSaleStock, logger: Logger) {
    this.#repository = repository
    this.#stock = stock
    this.#logger = logger
  }

  async reconcile(saleId: string, repair: boolean): Promise<SaleDrift | undefined> {
    const redis = await this.#stock.view(saleId)
    const snapshot = await this.#repository.snapshot(saleId)
    if (!snapshot) return undefined
    const value = (order: Reservable) => `${order.userId}|${order.quantity}`
    const orders = new Map(snapshot.orders.map((order) => [order.requestId, order]))
    const add = snapshot.orders.filter((order) => redis.reservations.get(order.requestId) !== value(order))
    const remove = [...redis.reservations.keys()].filter(
      (requestId) => !orders.has(requestId) && !redis.inFlight.has(requestId),
    )
    const sums = new Map<string, number>()
    let reservedUnits = 0
    for (const reservation of redis.reservations.values()) {
      const [userId = '', quantity = '0'] = reservation.split('|')
      sums.set(userId, (sums.get(userId) ?? 0) + Number(quantity))
      reservedUnits += Number(quantity)
    }
    const countMismatch =
      redis.sold !== reservedUnits ||
      redis.users.size !== sums.size ||
      [...sums].some(([userId, units]) => redis.users.get(userId) !== units)
    const limitsMismatch = redis.total !== snapshot.totalQuantity || redis.maxPerUser !== snapshot.maxPerUser
    const drifted = add.length > 0 || remove.length > 0 || countMismatch || limitsMismatch
    const repaired =
      repair && drifted
        ? await this.#stock.repair(
            saleId,
            { totalQuantity: snapshot.totalQuantity, maxPerUser: snapshot.maxPerUser },
            add,
            remove,
          )
        : null
    const drift: SaleDrift = {
      timeSaleId: saleId,
      postgresSold: snapshot.orders.reduce((units, order) => units + order.quantity, 0),
      redisSold: redis.sold,
      reservations: redis.reservations.size,
      inFlight: redis.inFlight.size,
      missingInRedis: add.length,
      unknownToPostgres: remove.length,
      countMismatch,
      limitsMismatch,
      drifted,
      repaired,
    }
    if (drifted) {
      this.#logger.warn({ drift }, repair ? 'repaired time-sale state drift' : 'time-sale state drift found')
    }
    return drift
  }

  /** Reconciles every sale whose window has not ended, or the given ones. */
  async reconcileAll(repair: boolean, saleIds?: readonly string[]): Promise<SaleDrift[]> {
    const ids = saleIds && saleIds.length > 0 ? saleIds : await this.#repository.activeSaleIds(new Date())
    const reports: SaleDrift[] = []
    for (const id of ids) {
      const report = await this.reconcile(id, repair)
      if (report) reports.push(report)
    }
    return reports
  }
}
