/**
 * The coupon service's contracts, one zod definition each: the HTTP bodies, query strings, parameters and
 * answers (SPEC §2), and the messages on the coupon topics (SPEC §3). Routes take their JSON schemas from
 * here (`shared/contracts/json-schema.ts`), `types.ts` its types, `messages.ts` its encoders and decoders.
 */
import { z } from 'zod'
import { dateTime } from '../shared/contracts/json-schema.ts'
import { instantText, messageField, schemaVersion } from '../shared/contracts/message.ts'
import { decimalField, instantField, textField } from '../shared/fields.ts'
import { integerIdField, requestIdField } from '../shared/ids.ts'
import { STRATEGIES } from '../shared/strategy.ts'
import { userIdField } from '../shared/user-id.ts'

export const discountType = z.enum(['FIXED', 'PERCENTAGE'])

/** `POST /api/coupons/policies` */
export const newPolicyBody = z.strictObject({
  title: textField(200),
  totalQuantity: z.int().min(1).max(10_000_000),
  startTime: instantField,
  endTime: instantField,
  discountType,
  // A percentage is at most 100 (checked with the type); both kinds are numeric(12,2).
  discountValue: decimalField(1_000_000_000),
})

/** A policy as answered: live issued and remaining quantities. */
export const policyAnswer = z.object({
  id: z.string().meta({ examples: ['1'] }),
  title: z.string(),
  totalQuantity: z.int(),
  issuedQuantity: z.int(),
  remainingQuantity: z.int(),
  startTime: dateTime,
  endTime: dateTime,
  discountType,
  discountValue: z.number(),
  createdAt: dateTime,
})

/** `POST /api/coupons/issue` */
export const issueBody = z.strictObject({ policyId: integerIdField, userId: userIdField })

/** v1/v2: 201 */
export const issuedAnswer = z.object({
  status: z.enum(['ISSUED']),
  couponId: z.string(),
  policyId: z.string(),
  userId: z.string(),
  issuedAt: dateTime,
})

/** v3: 202, the seed's answer plus `requestId` */
export const pendingAnswer = z.object({
  status: z.enum(['PENDING']),
  message: z.string(),
  policyId: z.string(),
  userId: z.string(),
  requestId: z.string().meta({ format: 'uuid' }),
})

/** Why a v3 request failed: a business outcome, never retried. */
export const failureCode = z.enum(['ALREADY_ISSUED', 'SOLD_OUT'])

/** The status of a v3 request: terminal from PostgreSQL, or pending while only Redis knows it. */
export const requestStatusAnswer = z.object({
  requestId: z.string(),
  status: z.enum(['PENDING', 'ISSUED', 'FAILED']),
  code: z.string().nullable().optional(),
  couponId: z.string().nullable().optional(),
  policyId: z.string(),
  userId: z.string(),
  updatedAt: dateTime,
})

/** One of a user's coupons. */
export const couponAnswer = z.object({
  id: z.string().meta({ examples: ['1'] }),
  policyId: z.string(),
  policyTitle: z.string(),
  userId: z.string().meta({ examples: ['1001'] }),
  requestId: z.string().meta({ format: 'uuid' }),
  strategy: z.enum(STRATEGIES),
  issuedAt: dateTime,
})

/** A v3 request on `coupon-issue-requests`, keyed by policy id. */
export const issueRequested = z.object({
  v: schemaVersion,
  type: z.literal('coupon.issue.requested'),
  requestId: requestIdField,
  policyId: integerIdField,
  userId: userIdField,
  /** When the API accepted it (ms since epoch). */
  acceptedAt: messageField(z.number().positive(), 'is missing or not a timestamp'),
})

/** The outcome of a v3 request on `coupon-issue-success` or `coupon-issue-failures`, keyed by policy id. */
export const issueSettled = z.object({
  v: schemaVersion,
  type: z.enum(['coupon.issue.succeeded', 'coupon.issue.failed']),
  requestId: requestIdField,
  policyId: integerIdField,
  userId: userIdField,
  status: z.enum(['ISSUED', 'FAILED']),
  code: failureCode.nullable(),
  couponId: z.string().nullable(),
  acceptedAt: instantText,
  settledAt: instantText,
})
