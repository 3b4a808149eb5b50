import { Ajv, type ErrorObject, type Options } from 'ajv'
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

// PostgreSQL's timestamps have no year 0 (JavaScript's and ISO 8601's 1 BC), and JavaScript has no leap
// second (`23:59:60`, which RFC 3339 allows): either would pass the format and fail in the database.
const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00Z')

/** The format as ajv-formats checks it, and a real instant in PostgreSQL's range too. */
function instantFormat(ajv: Ajv, name: 'date' | 'date-time'): void {
  const given = ajv.formats[name] as { validate: (s: string) => boolean } | ((s: string) => boolean) | undefined
  const check = typeof given === 'function' ? given : given?.validate
  if (!check) throw new Error(`ajv-formats has no ${name} format`)
  ajv.addFormat(name, {
    type: 'string',
    validate: (s: string) => {
      if (!check(s)) return false
      const at = Date.parse(name === 'date' ? `${s}T00:00:00Z` : s)
      return Number.isFinite(at) && at >= FIRST_INSTANT
    },
  })
}

function withFormats(ajv: Ajv): Ajv {
  addFormats(ajv)
  instantFormat(ajv, 'date')
  instantFormat(ajv, 'date-time')
  return ajv
}

/** The JSON pointer of the first string (or key) in `data` holding U+0000, if any. */
function nulAt(data: unknown, path = ''): string | undefined {
  if (typeof data === 'string') return data.includes('\u0000') ? path || '/' : undefined
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) {
      const found = nulAt(data[i], `${path}/${i}`)
      if (found !== undefined) return found
    }
  } else if (data !== null && typeof data === 'object') {
    for (const [key, value] of Object.entries(data)) {
      const found = key.includes('\u0000') ? `${path}/${key}` : nulAt(value, `${path}/${key}`)
      if (found !== undefined) return found
    }
  }
  return undefined
}

/** The properties of an object schema that take an integer. */
function integerProperties(schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {}
  return Object.entries(properties).filter(([, p]) => p.type === 'integer').map(([name]) => name)
}

/**
 * The JSON pointer of the first of `names` in `data` whose text is not a whole number in decimal digits:
 * coercion would read `0x10` as 16, `1e1` as 10 and ` 1` as 1.
 */
function notDecimalAt(data: unknown, names: string[]): string | undefined {
  if (data === null || typeof data !== 'object') return undefined
  for (const name of names) {
    const value = (data as Record<string, unknown>)[name]
    const texts = Array.isArray(value) ? value : [value]
    if (texts.some((text) => typeof text === 'string' && !/^[+-]?\d+$/.test(text))) return `/${name}`
  }
  return undefined
}

/**
 * Query strings, paths and headers arrive as text, so their numbers and booleans are coerced (an integer
 * from decimal digits only); a JSON body is validated as sent (`"title": 42` is a type error, not the
 * string "42").
 *
 * Text holding U+0000 is refused in every part before the schema is checked: PostgreSQL's text cannot hold
 * it, and would refuse the query.
 */
export function requestValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const coercing = withFormats(new Ajv({ ...common, coerceTypes: 'array' }))
  const strict = withFormats(new Ajv({ ...common, coerceTypes: false }))
  return ({ schema, httpPart }) => {
    const validate = (httpPart === 'body' ? strict : coercing).compile(schema as object)
    const integers = httpPart === 'body' ? [] : integerProperties(schema)
    const refuse = (instancePath: string, keyword: string, message: string) => {
      guarded.errors = [{ instancePath, schemaPath: '#', keyword, params: {}, message }]
      return false
    }
    const guarded = (data: unknown): boolean => {
      const nul = nulAt(data)
      if (nul !== undefined) return refuse(nul, 'nul', 'must not contain the character U+0000')
      const notDecimal = notDecimalAt(data, integers)
      if (notDecimal !== undefined) return refuse(notDecimal, 'type', 'must be a whole number in decimal digits')
      const valid = validate(data)
      guarded.errors = validate.errors
      return valid
    }
    guarded.errors = null as ErrorObject[] | null | undefined
    return guarded
  }
}
