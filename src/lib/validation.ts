import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'
import { parsesAsHttpUrl } from './schemas.js'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

const common: Options = {
  // Unknown fields and query parameters are errors, not silently dropped: a typo'd filter must not
  // quietly return everything, and a misspelt body field must not be lost.
  removeAdditional: false,
  useDefaults: true,
  allErrors: true,
  strict: false,
}

// Instants from the year 1000 to the year 9999 in UTC. A time in 9999 with a negative offset is in the year
// 10000, which a timestamp written with four digits cannot say, and JavaScript has no leap second
// (`23:59:60`, which RFC 3339 allows): either would pass the format and fail in the database. Years before
// 1000 would be stored, then read back wrong (the driver's date parsing takes `0050` for 1950).
const FIRST_INSTANT = Date.parse('1000-01-01T00:00:00Z')
const END_OF_INSTANTS = Date.parse('9999-12-31T23:59:59.999Z')

/** What each of those formats asks for, in words: a validation message shows this rather than the format's name. */
export const FORMAT_MESSAGES: Record<string, string> = {
  date: 'must be a date (YYYY-MM-DD, years 1000 to 9999)',
  'date-time': 'must be a date-time with an offset (YYYY-MM-DDThh:mm:ssZ or ±hh:mm, years 1000 to 9999)',
  'http-url': 'must be an absolute http:// or https:// URL',
}

type FormatDefinition = { validate: (s: string) => boolean; compare?: (a: string, b: string) => number | undefined }

/** The format as ajv-formats checks it (and compares it), and a real instant in PostgreSQL's range too. */
function instantFormat(ajv: Ajv, name: 'date' | 'date-time'): void {
  const given = ajv.formats[name] as FormatDefinition | FormatDefinition['validate'] | undefined
  const definition = typeof given === 'function' ? { validate: given } : given
  if (!definition) throw new Error(`ajv-formats has no ${name} format`)
  ajv.addFormat(name, {
    type: 'string',
    ...(definition.compare ? { compare: definition.compare } : {}),
    validate: (s: string) => {
      if (!definition.validate(s)) return false
      const at = Date.parse(name === 'date' ? `${s}T00:00:00Z` : s)
      return Number.isFinite(at) && at >= FIRST_INSTANT && at <= END_OF_INSTANTS
    },
  })
}

function withFormats(ajv: Ajv): Ajv {
  addFormats(ajv)
  // What a browser would open: the WHATWG URL parser takes it, and its scheme is http or https (`http://[`,
  // `https://?` and `http://%zz` are not; a path with `é` is, as browsers take it).
  ajv.addFormat('http-url', { type: 'string', validate: parsesAsHttpUrl })
  instantFormat(ajv, 'date')
  instantFormat(ajv, 'date-time')
  // Text people write, composed (NFC) where it is (see COMPOSED_TEXT). Before the schema's other keywords:
  // a length is counted as stored.
  ajv.addKeyword({
    keyword: 'x-composed',
    type: 'string',
    schemaType: 'boolean',
    modifying: true,
    before: 'maxLength',
    validate: (composed: boolean, data: unknown, _schema?: unknown, context?: { parentData: Record<string | number, unknown>; parentDataProperty: string | number }) => {
      if (composed && typeof data === 'string' && context?.parentData) context.parentData[context.parentDataProperty] = data.normalize('NFC')
      return true
    },
  })
  return ajv
}

/**
 * The first query parameter, by its name, whose percent-encoding is broken: a `%` without two hex digits
 * after it, or escapes that are not UTF-8 (`%FF`). Fastify's parser keeps such text as it is, so `?q=%FF`
 * would be a search for "ff"; a path with them is refused already (FST_ERR_BAD_URL).
 */
export function badlyEncodedParameter(query: string): string | undefined {
  const decodes = (text: string) => {
    try {
      decodeURIComponent(text)
      return true
    } catch {
      return false
    }
  }
  for (const pair of query.split('&')) {
    if (!pair.includes('%') || decodes(pair)) continue
    const at = pair.indexOf('=')
    const name = at < 0 ? pair : pair.slice(0, at)
    return decodes(name) ? decodeURIComponent(name.replace(/\+/g, ' ')) : name
  }
  return undefined
}

/** How deep a request's values may nest: the API's own bodies go three levels deep (`featureImage.url`). */
export const MAX_NESTING = 32

type Walked = { value: unknown; key: string; parent: Walked | undefined; depth: number }

/** The JSON pointer (RFC 6901) of a walked value, built only for what is reported. */
function pointerOf(node: Walked): string {
  const keys: string[] = []
  for (let at: Walked | undefined = node; at?.parent; at = at.parent) keys.push(at.key.replace(/~/g, '~0').replace(/\//g, '~1'))
  return `/${keys.reverse().join('/')}`
}

// Text holding U+0000 (PostgreSQL's text cannot), or half of a surrogate pair: JSON's escapes allow `"\ud800"`,
// which is no text (stored as UTF-8 it would become U+FFFD).
const refusedText = (text: string) => text.includes('\u0000') || !text.isWellFormed()

/**
 * What a request part holds that is refused before its schema is checked: each string (or key) holding
 * U+0000 or a lone surrogate, and the first value nested deeper than MAX_NESTING, below which nothing is
 * looked at. Walked with a stack of its own, in time linear in the part's size: neither recursion (a body
 * nested thousands deep would exhaust the call stack) nor a copied path at each level (which would take the
 * square of its depth).
 */
function refusedValues(data: unknown): { badText: { at: string; nul: boolean }[]; tooDeep: string | undefined } {
  const badText: { at: string; nul: boolean }[] = []
  let tooDeep: string | undefined
  const pending: Walked[] = [{ value: data, key: '', parent: undefined, depth: 0 }]
  for (let node = pending.pop(); node; node = pending.pop()) {
    const { value, key, depth } = node
    const text = refusedText(key) ? key : typeof value === 'string' && refusedText(value) ? value : undefined
    if (text !== undefined) {
      badText.push({ at: pointerOf(node), nul: text.includes('\u0000') })
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_NESTING) {
        tooDeep ??= pointerOf(node)
        continue
      }
      // Pushed last to first, so that what is found is reported in the order it was written.
      for (const [childKey, child] of Object.entries(value).reverse()) pending.push({ value: child, key: childKey, parent: node, depth: depth + 1 })
    }
  }
  return { badText, tooDeep }
}

type PropertySchemas = Record<string, { type?: unknown; anyOf?: { type?: unknown }[] }>
const propertiesOf = (schema: unknown): PropertySchemas => (schema as { properties?: PropertySchemas }).properties ?? {}

/** The properties of an object schema that take an integer. */
function integerProperties(schema: unknown): string[] {
  return Object.entries(propertiesOf(schema)).filter(([, p]) => p.type === 'integer').map(([name]) => name)
}

/** The properties of an object schema that take one value, not a list. */
function singleProperties(schema: unknown): string[] {
  const takesList = (p: { type?: unknown; anyOf?: { type?: unknown }[] }) => p.type === 'array' || (p.anyOf ?? []).some((b) => b.type === 'array')
  return Object.entries(propertiesOf(schema)).filter(([, p]) => !takesList(p)).map(([name]) => name)
}

/**
 * The JSON pointers of those of `names` in `data` whose text is not a whole number in decimal digits (a
 * minus sign allowed, for the range check to refuse): coercion would read `0x10` as 16, `1e1` as 10, ` 1`
 * and `+1` as 1.
 */
function notDecimalAt(data: unknown, names: string[]): string[] {
  if (data === null || typeof data !== 'object') return []
  return names.filter((name) => {
    const value = (data as Record<string, unknown>)[name]
    return (Array.isArray(value) ? value : [value]).some((text) => typeof text === 'string' && !/^-?\d+$/.test(text))
  }).map((name) => `/${name}`)
}

/**
 * The field an ajv error is about, as a JSON pointer: a missing or unknown property's own, not its parent
 * object's. The problem's `errors` name fields so.
 */
export function fieldOf(error: Pick<ErrorObject, 'instancePath' | 'params'>): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string }
  return params.missingProperty ? `${error.instancePath}/${params.missingProperty}`
    : params.additionalProperty !== undefined ? `${error.instancePath}/${params.additionalProperty.replace(/~/g, '~0').replace(/\//g, '~1')}` : error.instancePath || '/'
}

/**
 * Query strings, paths and headers arrive as text, so their numbers and booleans are coerced (an integer
 * from decimal digits only); a JSON body is validated as sent (`"title": 42` is a type error, not the
 * string "42").
 *
 * Text holding U+0000 or half of a surrogate pair is refused in every part before the schema is checked:
 * PostgreSQL's text cannot hold the one, and the other is no text. Text people write is taken composed
 * (NFC, see COMPOSED_TEXT).
 */
export function requestValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const coercing = withFormats(new Ajv({ ...common, coerceTypes: 'array' }))
  const strict = withFormats(new Ajv({ ...common, coerceTypes: false }))
  return ({ schema, httpPart }) => {
    const validate = (httpPart === 'body' ? strict : coercing).compile(schema as object)
    const integers = httpPart === 'body' ? [] : integerProperties(schema)
    const singles = httpPart === 'querystring' ? singleProperties(schema) : []
    const refusal = (instancePath: string, keyword: string, message: string): ErrorObject => ({ instancePath, schemaPath: '#', keyword, params: {}, message })
    const guarded = (data: unknown, context?: Parameters<ValidateFunction>[1]): boolean => {
      const { badText, tooDeep } = refusedValues(data)
      const refused = [
        ...badText.map(({ at, nul }) => nul
          ? refusal(at, 'nul', 'must not contain the character U+0000')
          : refusal(at, 'surrogate', 'must be Unicode text: it holds half of a surrogate pair (an escape such as \\ud800 without its other half)')),
        ...(tooDeep ? [refusal(tooDeep, 'nesting', `must not nest values more than ${MAX_NESTING} levels deep`)] : []),
        // `?limit=5&limit=6` arrives as a list: "must be integer" would not say what is wrong.
        ...singles.filter((name) => Array.isArray((data as Record<string, unknown> | null)?.[name])).map((name) => refusal(`/${name}`, 'type', 'must be given once')),
        ...notDecimalAt(data, integers).map((at) => refusal(at, 'type', 'must be a whole number in decimal digits')),
      ]
      const valid = validate(data, context)
      if (refused.length === 0) {
        guarded.errors = validate.errors
        return valid
      }
      // Every bad field is named, once: a field refused above gets the first refusal's message alone, not
      // the schema's too ("must be integer" after "must be given once").
      const refusedFields = new Set<string>()
      const errors: ErrorObject[] = []
      for (const error of refused) {
        if (refusedFields.has(fieldOf(error))) continue
        refusedFields.add(fieldOf(error))
        errors.push(error)
      }
      for (const error of validate.errors ?? []) if (!refusedFields.has(fieldOf(error))) errors.push(error)
      guarded.errors = errors
      return false
    }
    guarded.errors = null as ErrorObject[] | null | undefined
    // What Fastify reads off an ajv validator: with schemaEnv, it passes the parent (coercing a root value).
    return Object.assign(guarded, { schema: validate.schema, schemaEnv: validate.schemaEnv })
  }
}
