import type { PromotionSummary } from '../dashboard/overview.ts'
import { AppError } from '../errors.ts'
import type { Page, PageRequest } from '../shared/paging.ts'
import { readRequestStatus } from '../shared/request-status.ts'
import type { Strategy } from '../shared/strategy.ts'
import type { Issued, Pending, StrategyDeps } from './strategies/deps.ts'
import { issueV1 } from './strategies/v1.ts'
import { issueV2 } from './strategies/v2.ts'
import { issueV3 } from './strategies/v3.ts'
import type { Coupon, IssueInput, NewPolicy, Outcome, PendingRequest, PolicyWithCounts } from './types.ts'

const STRATEGIES: Record<Strategy, (deps: StrategyDeps, input: IssueInput) => Promise<Issued | Pending>> = {
  v1: issueV1,
  v2: issueV2,
  v3: issueV3,
}

/** The status of a v3 request: terminal from PostgreSQL, or pending while only Redis knows it. */
export type RequestStatus =
  | (Omit<Outcome, 'acceptedAt' | 'settledAt'> & { updatedAt: string })
  | { requestId: string; status: 'PENDING'; policyId: string; userId: string; updatedAt: string }

/** Use cases of the coupon service; knows nothing of HTTP or Kafka clients. */
export class CouponService {
  readonly #deps: StrategyDeps

  constructor(deps: StrategyDeps) {
    this.#deps = deps
  }

  /** Creates a policy and its Redis state at once, so it is issuable as soon as its window opens. */
  async createPolicy(input: NewPolicy): Promise<PolicyWithCounts> {
    if (input.startTime >= input.endTime) {
      throw new AppError('VALIDATION_FAILED', {
        message: '요청 값이 올바르지 않습니다: startTime은 endTime보다 빨라야 합니다.',
      })
    }
    if (input.endTime <= this.#deps.now()) {
      throw new AppError('VALIDATION_FAILED', {
        message: '요청 값이 올바르지 않습니다: endTime이 이미 지났습니다.',
      })
    }
    if (input.discountType === 'PERCENTAGE' && input.discountValue > 100) {
      throw new AppError('VALIDATION_FAILED', {
        message: '요청 값이 올바르지 않습니다: 정률 할인은 100% 이하여야 합니다.',
      })
    }
    const policy = await this.#deps.repository.insertPolicy(input)
    this.#deps.policies.put(policy)
    await this.#deps.state.installCreated(policy.id)
    return policy
  }

  async getPolicy(id: string): Promise<PolicyWithCounts> {
    const policy = await this.#deps.repository.findPolicy(id)
    if (!policy) throw new AppError('POLICY_NOT_FOUND')
    return policy
  }

  /** A page of the policies, newest first. */
  listPolicies(page: PageRequest): Promise<Page<PolicyWithCounts>> {
    return this.#deps.repository.listPolicies(page)
  }

  /** Issues with the chosen strategy: v1/v2 answer the final result, v3 answers PENDING. */
  issue(strategy: Strategy, input: IssueInput): Promise<Issued | Pending> {
    return STRATEGIES[strategy](this.#deps, input)
  }

  /** A v3 request's status (`shared/request-status.ts`). @throws AppError `REQUEST_NOT_FOUND` */
  requestStatus(requestId: string): Promise<RequestStatus> {
    return readRequestStatus<RequestStatus, PendingRequest>(requestId, {
      settled: async (id) => {
        const outcome = await this.#deps.repository.requests.findOutcome(id)
        if (!outcome) return undefined
        const { acceptedAt: _, settledAt, ...rest } = outcome
        return { ...rest, updatedAt: settledAt.toISOString() }
      },
      pending: (id) => this.#deps.index.find(id),
      present: (id, pending) => ({
        requestId: id,
        status: 'PENDING',
        policyId: pending.policyId,
        userId: pending.userId,
        updatedAt: new Date(pending.acceptedAt).toISOString(),
      }),
    })
  }

  /** The newest policies for the dashboard: stock and taken as the API reports them, pending from Redis. */
  async summaries(limit: number): Promise<PromotionSummary[]> {
    const policies = (await this.#deps.repository.listPolicies({ limit, offset: 0 })).items
    return Promise.all(
      policies.map(async (policy) => ({
        id: policy.id,
        name: policy.title,
        total: policy.totalQuantity,
        taken: policy.issuedQuantity,
        pending: await this.#deps.stock.pendingCount(policy.id),
        remaining: policy.remainingQuantity,
        startAt: policy.startTime.toISOString(),
        endAt: policy.endTime.toISOString(),
      })),
    )
  }

  /** A page of the user's coupons, newest first (`userId` normalised). */
  couponsOfUser(userId: string, page: PageRequest): Promise<Page<Coupon & { policyTitle: string }>> {
    return this.#deps.repository.couponsOfUser(userId, page)
  }
}
