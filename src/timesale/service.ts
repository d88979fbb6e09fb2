import type { PromotionSummary } from '../dashboard/overview.ts'
import { AppError } from '../errors.ts'
import type { Page, PageRequest } from '../shared/paging.ts'
import { readRequestStatus } from '../shared/request-status.ts'
import type { Strategy } from '../shared/strategy.ts'
import type { RequestRepository } from './request-repository.ts'
import type { Completed, OrderInput, Queued, StrategyDeps } from './strategies/deps.ts'
import { orderV1 } from './strategies/v1.ts'
import { orderV2 } from './strategies/v2.ts'
import { orderV3 } from './strategies/v3.ts'
import type { FailureCode, NewTimeSale, Order, QueuedRequest, TimeSaleWithCounts } from './types.ts'

const STRATEGIES: Record<Strategy, (deps: StrategyDeps, input: OrderInput) => Promise<Completed | Queued>> = {
  v1: orderV1,
  v2: orderV2,
  v3: orderV3,
}

/**
 * The status of a v3 request: terminal from PostgreSQL, or queued while only Redis knows it. For a queued
 * request `queuePosition` is its live place (it shrinks as the queue moves); a settled one has 0.
 */
export interface RequestStatus {
  readonly requestId: string
  readonly status: 'QUEUED' | 'COMPLETED' | 'FAILED'
  readonly code?: FailureCode | null
  readonly orderId?: string | null
  readonly timeSaleId: string
  readonly userId: string
  readonly quantity: number
  readonly queuePosition: number
  readonly updatedAt: string
}

export interface TimeSaleServiceDeps extends StrategyDeps {
  readonly requests: RequestRepository
}

function invalid(reason: string): AppError {
  return new AppError('VALIDATION_FAILED', { message: `요청 값이 올바르지 않습니다: ${reason}` })
}

/** Use cases of the time-sale service; knows nothing of HTTP or Kafka clients. */
export class TimeSaleService {
  readonly #deps: TimeSaleServiceDeps

  constructor(deps: TimeSaleServiceDeps) {
    this.#deps = deps
  }

  /**
   * Creates a sale and its Redis state at once: inside its window it is on sale, no other step needed. The
   * field rules (text, prices' decimals, instants) were checked by the route's schema (src/shared/fields.ts).
   */
  async createSale(input: NewTimeSale): Promise<TimeSaleWithCounts> {
    if (input.salePrice > input.originalPrice) throw invalid('salePrice는 originalPrice 이하여야 합니다.')
    if (input.startAt >= input.endAt) throw invalid('startAt은 endAt보다 빨라야 합니다.')
    if (input.endAt <= this.#deps.now()) throw invalid('endAt이 이미 지났습니다.')
    const sale = await this.#deps.repository.insertSale(input)
    this.#deps.sales.put(sale)
    await this.#deps.state.installCreated(sale.id)
    return sale
  }

  async getSale(id: string): Promise<TimeSaleWithCounts> {
    const sale = await this.#deps.repository.findSale(id)
    if (!sale) throw new AppError('TIMESALE_NOT_FOUND')
    return sale
  }

  /** A page of the sales, newest first. */
  listSales(page: PageRequest): Promise<Page<TimeSaleWithCounts>> {
    return this.#deps.repository.listSales(page)
  }

  /** Orders with the chosen strategy: v1/v2 answer the final result, v3 answers QUEUED. */
  order(strategy: Strategy, input: OrderInput): Promise<Completed | Queued> {
    return STRATEGIES[strategy](this.#deps, input)
  }

  /** A v3 request's status (`shared/request-status.ts`). @throws AppError `REQUEST_NOT_FOUND` */
  requestStatus(requestId: string): Promise<RequestStatus> {
    return readRequestStatus<RequestStatus, QueuedRequest>(requestId, {
      settled: async (id) => {
        const outcome = await this.#deps.requests.findOutcome(id)
        if (!outcome) return undefined
        return {
          requestId: id,
          status: outcome.status,
          code: outcome.code,
          orderId: outcome.orderId,
          timeSaleId: outcome.timeSaleId,
          userId: outcome.userId,
          quantity: outcome.quantity,
          queuePosition: 0,
          updatedAt: outcome.settledAt.toISOString(),
        }
      },
      pending: (id) => this.#deps.index.find(id),
      present: async (id, queued) => ({
        requestId: id,
        status: 'QUEUED',
        timeSaleId: queued.timeSaleId,
        userId: queued.userId,
        quantity: queued.quantity,
        queuePosition: await this.#deps.stock.queuePosition(queued.timeSaleId, queued.ticket),
        updatedAt: new Date(queued.acceptedAt).toISOString(),
      }),
    })
  }

  /**
   * The newest sales for the dashboard: stock and sold as the API reports them, and the v3 queue from
   * Redis (tickets drawn, requests settled or abandoned, requests still waiting).
   */
  async summaries(limit: number): Promise<PromotionSummary[]> {
    const sales = (await this.#deps.repository.listSales({ limit, offset: 0 })).items
    return Promise.all(
      sales.map(async (sale) => {
        const view = await this.#deps.stock.inspect(sale.id)
        const done = view.settled + view.abandoned
        const waiting = Math.max(0, view.tickets - done)
        return {
          id: sale.id,
          name: sale.productName,
          total: sale.totalQuantity,
          taken: sale.soldQuantity,
          pending: waiting,
          remaining: sale.remainingQuantity,
          startAt: sale.startAt.toISOString(),
          endAt: sale.endAt.toISOString(),
          queue: { tickets: view.tickets, settled: done, waiting },
        }
      }),
    )
  }

  /** A page of the user's orders, newest first (`userId` normalised). */
  ordersOfUser(userId: string, page: PageRequest): Promise<Page<Order & { productName: string }>> {
    return this.#deps.repository.ordersOfUser(userId, page)
  }
}
