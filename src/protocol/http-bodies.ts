/** @module HTTP request bodies. */
import * as z from 'zod'
import { IdSchema, UserNameSchema } from './ids.js'

export const TokenRequestSchema = z.object({
  userId: IdSchema,
  roomId: IdSchema,
  /** Display name carried in the token; the auth frame may not override it. */
  userName: UserNameSchema.optional(),
})

/** Seed shape is snake_case (`user_id`, `user_name`); camelCase is accepted too. */
export const JoinRequestSchema = z
  .object({
    user_id: IdSchema.optional(),
    userId: IdSchema.optional(),
    user_name: UserNameSchema.optional(),
    userName: UserNameSchema.optional(),
  })
  .transform((b) => ({ userId: b.user_id ?? b.userId, userName: b.user_name ?? b.userName }))
  .refine((b) => b.userId !== undefined, { message: 'user_id is required', path: ['user_id'] })
