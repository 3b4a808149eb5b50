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

/**
 * Checks a live response against the committed OpenAPI document: the path and status must be declared,
 * the content type must be one the document lists, and the body must match its schema. Given the response's
 * headers, those the document says are required must be there.
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
    if (missing.length > 0) return missing
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
