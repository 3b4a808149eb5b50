import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { root } from '../helper.js'

type Json = Record<string, any>

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020

export const openapiDocument = JSON.parse(readFileSync(join(root, 'openapi/openapi.json'), 'utf8')) as Json

/** The object a local `$ref` (`#/components/responses/NotModified`) points at, or the object itself. */
function deref(doc: Json, value: Json | undefined): Json | undefined {
  if (!value?.$ref) return value
  return (value.$ref as string).slice(2).split('/').reduce<Json | undefined>((at, key) => at?.[key], doc)
}

/** Response headers a client acts on: validators, where to go, how to authenticate, when to try again, pages. */
const ACTED_ON = ['etag', 'last-modified', 'location', 'www-authenticate', 'retry-after', 'link']

/**
 * Checks a live response against the committed OpenAPI document: the path and status must be declared,
 * the content type must be one the document lists, and the body must match its schema. Given the response's
 * headers, those the document says are required must be there, and those of ACTED_ON it sends declared.
 */
export function responseValidator(doc: Json = openapiDocument) {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }))
  const cache = new Map<string, ValidateFunction>()
  const templates = Object.keys(doc.paths).map((template) => ({
    template,
    regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }))

  return function check(method: string, url: string, status: number, contentType: string | undefined, body: string, headers?: Record<string, unknown>): string[] {
    const path = url.split('?')[0]!
    const match = templates.find((t) => t.regex.test(path))
    if (!match) return [`${path} is not in the document`]
    const operation = doc.paths[match.template][method.toLowerCase()]
    if (!operation) return [`${method} ${match.template} is not in the document`]
    const response = deref(doc, operation.responses[String(status)])
    if (!response) return [`${method} ${match.template} does not declare status ${status}`]
    const missing = Object.entries(response.headers ?? {})
      .filter(([name, declared]) => headers && deref(doc, declared as Json)?.required && headers[name.toLowerCase()] === undefined)
      .map(([name]) => `${method} ${match.template} ${status}: the required header ${name} is missing`)
    // And the headers a client acts on, when sent, must be declared: a generated client reads only those.
    const declared = new Set(Object.keys(response.headers ?? {}).map((name) => name.toLowerCase()))
    const undeclared = headers ? ACTED_ON.filter((name) => headers[name] !== undefined && !declared.has(name))
      .map((name) => `${method} ${match.template} ${status}: sends ${name}, which the document does not declare`) : []
    if (missing.length + undeclared.length > 0) return [...missing, ...undeclared]
    if (!response.content) return body === '' ? [] : [`${status} declares no body but one was sent`]
    const mediaType = (contentType ?? '').split(';')[0]!.trim()
    const media = response.content[mediaType]
    if (!media) return [`${status} does not declare ${mediaType} (declares ${Object.keys(response.content).join(', ')})`]
    if (!mediaType.includes('json')) return []
    const key = `${method} ${match.template} ${status} ${mediaType}`
    let validate = cache.get(key)
    if (!validate) {
      validate = ajv.compile({ ...media.schema, components: doc.components })
      cache.set(key, validate)
    }
    if (validate(JSON.parse(body))) return []
    return (validate.errors ?? []).map((e) => `${key}: ${e.instancePath} ${e.message}`)
  }
}
