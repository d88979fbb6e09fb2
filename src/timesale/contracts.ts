/**
 * The time-sale service's contracts, one zod definition each: the HTTP bodies, query strings, parameters
 * and answers (SPEC §2), and the messages on the time-sale topics (SPEC §3). Routes take their JSON schemas
 * from here (`shared/contracts/json-schema.ts`), `types.ts` its types, `messages.ts` its encoders and
 * decoders.
 */
import { z } from 'zod'
import { dateTime } from '../shared/contracts/json-schema.ts'
import { instantText, messageField, schemaVersion } from '../shared/contracts/message.ts'
import { decimalField, instantField, MAX_MONEY, textField } from '../shared/fields.ts'
import { integerIdField, requestIdField } from '../shared/ids.ts'
import { STRATEGIES } from '../shared/strategy.ts'
import { userIdField } from '../shared/user-id.ts'

/** Largest quantity one order may ask for (the HTTP body's bound, checked again on the way in). */
export const MAX_ORDER_QUANTITY = 10_000

const POSITIVE_INTEGER = 'is missing or not a positive integer'

const quantity = messageField(z.int().min(1).max(MAX_ORDER_QUANTITY), POSITIVE_INTEGER)

/** A counter or time in a message: a positive integer. */
const positiveInteger = () => messageField(z.int().min(1), POSITIVE_INTEGER)

/** `POST /api/timesales` */
export const newSaleBody = z.strictObject({
  productName: textField(200),
  originalPrice: decimalField(MAX_MONEY),
  salePrice: decimalField(MAX_MONEY),
  totalQuantity: z.int().min(1).max(10_000_000),
  startAt: instantField,
  endAt: instantField,
  maxPerUser: z.int().min(1).max(10_000_000).nullable().optional(),
})

/** A time sale as answered: live sold and remaining quantities. */
export const saleAnswer = z.object({
  id: z.string().meta({ examples: ['1'] }),
  productName: z.string(),
  originalPrice: z.number().meta({ examples: [50_000] }),
  salePrice: z.number().meta({ examples: [19_900] }),
  totalQuantity: z.int(),
  soldQuantity: z.int(),
  remainingQuantity: z.int(),
  maxPerUser: z.int().nullable().meta({ description: 'Most units one user may buy; null = no limit' }),
  startAt: dateTime,
  endAt: dateTime,
  createdAt: dateTime,
})

/** `POST /api/timesales/:id/orders` */
export const orderBody = z.strictObject({ userId: userIdField, quantity })

/** v1/v2: 201 */
export const completedAnswer = z.object({
  status: z.enum(['COMPLETED']),
  orderId: z.string(),
  timeSaleId: z.string(),
  userId: z.string(),
  quantity: z.int(),
  totalPrice: z.number(),
})

/** v3: 202, the seed's answer, then `requestId`, then the position (the property order is the key order). */
export const queuedAnswer = z.object({
  status: z.enum(['QUEUED']),
  message: z.string(),
  timeSaleId: z.string(),
  userId: z.string(),
  requestId: z.string().meta({ format: 'uuid' }),
  queuePosition: z.int().min(1).meta({
    description: "The sale's requests accepted and not yet settled, up to and including this one",
  }),
})

/** Why an order was refused: a business outcome, never retried. */
export const failureCode = z.enum(['SOLD_OUT', 'LIMIT_EXCEEDED'])

/**
 * The status of a v3 request: terminal from PostgreSQL, or queued while only Redis knows it. For a queued
 * request `queuePosition` is its live place (it shrinks as the queue moves); a settled one has 0.
 */
export const requestStatusAnswer = z.object({
  requestId: z.string().meta({ format: 'uuid' }),
  status: z.enum(['QUEUED', 'COMPLETED', 'FAILED']),
  code: failureCode.nullable().optional(),
  orderId: z.string().nullable().optional(),
  timeSaleId: z.string(),
  userId: z.string(),
  quantity: z.int(),
  queuePosition: z.int().meta({ description: 'Live place while QUEUED; 0 once settled' }),
  updatedAt: dateTime,
})

/** One of a user's orders. */
export const orderAnswer = z.object({
  id: z.string(),
  timeSaleId: z.string(),
  productName: z.string(),
  userId: z.string(),
  quantity: z.int(),
  unitPrice: z.number(),
  totalPrice: z.number(),
  requestId: z.string().meta({ format: 'uuid' }),
  strategy: z.enum(STRATEGIES),
  status: z.enum(['COMPLETED']),
  createdAt: dateTime,
})

/** A v3 request on `timesale-order-requests`, keyed by sale id. */
export const orderRequested = z.object({
  v: schemaVersion,
  type: z.literal('timesale.order.requested'),
  requestId: requestIdField,
  timeSaleId: integerIdField,
  userId: userIdField,
  quantity,
  /** The sale's acceptance counter when accepted. */
  ticket: positiveInteger(),
  /** The position the client was told. */
  queuePosition: positiveInteger(),
  /** When the API accepted it (ms since epoch). */
  acceptedAt: positiveInteger(),
})

/** The outcome of a v3 request on `timesale-order-success` or `timesale-order-failures`, keyed by sale id. */
export const orderSettled = z.object({
  v: schemaVersion,
  type: z.enum(['timesale.order.completed', 'timesale.order.failed']),
  requestId: requestIdField,
  timeSaleId: integerIdField,
  userId: userIdField,
  quantity,
  status: z.enum(['COMPLETED', 'FAILED']),
  code: failureCode.nullable(),
  orderId: z.string().nullable(),
  totalPrice: z.number().nullable(),
  ticket: positiveInteger(),
  acceptedAt: instantText,
  settledAt: instantText,
})
