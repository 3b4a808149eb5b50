import { Type } from 'typebox'

export const ArchiveResponseSchema = Type.Object({
  data: Type.Array(
    Type.Object({
      year: Type.Integer({ examples: [2026] }),
      month: Type.Integer({ minimum: 1, maximum: 12, examples: [1] }),
      count: Type.Integer({ minimum: 1, description: 'Published posts that month (UTC).', examples: [2] }),
    }),
  ),
}, { description: 'The months that have published posts, newest first.' })
