import { Ajv, type Options } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

const common: Options = {
  // Unknown fields and query parameters are errors, not silently dropped: a typo'd filter must not
  // quietly return everything, and a misspelt body field must not be lost.
  removeAdditional: false,
  useDefaults: true,
  allErrors: true,
  strict: false,
}

/**
 * Query strings, paths and headers arrive as text, so their numbers and booleans are coerced; a JSON body
 * is validated as sent (`"title": 42` is a type error, not the string "42").
 */
export function requestValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const coercing = addFormats(new Ajv({ ...common, coerceTypes: 'array' }))
  const strict = addFormats(new Ajv({ ...common, coerceTypes: false }))
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object)
}
