import { AppError } from '../../errors.ts'
import type { Policy } from '../types.ts'
import type { StrategyDeps } from './deps.ts'

/** The cached policy, or POLICY_NOT_FOUND; NOT_IN_PERIOD outside [startTime, endTime). */
export async function policyInWindow(deps: StrategyDeps, policyId: string): Promise<Policy> {
  const policy = await deps.policies.get(policyId)
  if (!policy) throw new AppError('POLICY_NOT_FOUND')
  const now = deps.now()
  if (now < policy.startTime || now >= policy.endTime) throw new AppError('NOT_IN_PERIOD')
  return policy
}
