import type { RouteOptions } from 'fastify'
import { MANAGEMENT_SCOPES } from '../../tokens/management-scopes.js'
import type { ManagementRouteConfig } from './guard.js'

declare module 'fastify' {
  interface FastifySchema {
    /** OpenAPI summary of the operation. */
    summary?: string
    /** OpenAPI tags of the operation. */
    tags?: readonly string[]
  }
}

interface JsonSchema {
  readonly type?: string
  readonly properties?: Record<string, JsonSchema & { description?: string }>
  readonly required?: readonly string[]
  readonly description?: string
}

interface CollectedRoute {
  readonly method: string
  readonly url: string
  readonly schema: Record<string, unknown>
  readonly config: ManagementRouteConfig
}

const ERROR_BODY_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    errorCode: { type: 'string' },
  },
}

const MEDIA_TYPES = ['application/json', 'application/x-www-form-urlencoded'] as const

/**
 * Builds an OpenAPI 3 document from the route schemas of the Management API, so the document and
 * the validation can never disagree. Routes are collected with Fastify's `onRoute` hook.
 */
export class OpenApiCollector {
  readonly #routes: CollectedRoute[] = []

  readonly onRoute = (route: RouteOptions): void => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      if (method === 'HEAD' || route.schema === undefined) continue
      if ((route.config as ManagementRouteConfig | undefined)?.public === true) continue
      this.#routes.push({
        method: method.toLowerCase(),
        url: route.url,
        schema: route.schema as Record<string, unknown>,
        config: route.config ?? {},
      })
    }
  }

  document(options: { issuer: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {}
    for (const route of this.#routes) {
      const path = route.url.replace(/^\/api\/v2/, '').replace(/:([A-Za-z_]+)/g, '{$1}')
      const s = route.schema
      const parameters = [
        ...toParameters(s.params as JsonSchema | undefined, 'path'),
        ...toParameters(s.querystring as JsonSchema | undefined, 'query'),
      ]
      const responses: Record<string, unknown> = {}
      for (const [status, schema] of Object.entries(
        (s.response ?? {}) as Record<string, unknown>,
      )) {
        responses[status] = {
          description: 'Success',
          content: { 'application/json': { schema } },
        }
      }
      if (route.method === 'delete') responses['204'] = { description: 'Deleted' }
      const errors: [string, string][] = [
        ['400', 'Invalid request body, query or path'],
        ['401', 'Missing, invalid or expired token'],
        ['403', 'The token lacks the scope'],
        ...(route.config.errors ?? []).map((status): [string, string] => [
          String(status),
          status === 404 ? 'Not found' : 'Conflict with an existing resource',
        ]),
        ['429', 'Too many requests; see the X-RateLimit-* headers'],
      ]
      for (const [status, description] of errors) {
        responses[status] = {
          description,
          content: { 'application/json': { schema: ERROR_BODY_SCHEMA } },
        }
      }
      const scope = route.config.scope
      paths[path] = {
        ...paths[path],
        [route.method]: {
          summary: s.summary,
          tags: s.tags,
          ...(parameters.length > 0 ? { parameters } : undefined),
          ...(s.body !== undefined
            ? {
                requestBody: {
                  required: true,
                  content: Object.fromEntries(MEDIA_TYPES.map((m) => [m, { schema: s.body }])),
                },
              }
            : undefined),
          responses,
          ...(scope !== undefined
            ? { security: [{ bearerAuth: [scope] }, { oAuth2ClientCredentials: [scope] }] }
            : undefined),
        },
      }
    }
    return {
      // 3.1: schemas are JSON Schema (propertyNames, patternProperties), as the validator uses them.
      openapi: '3.1.0',
      info: {
        title: 'openhooks Management API',
        description: 'The hook endpoints of the Auth0 Management API v2, served by openhooks.',
        version: options.version,
      },
      servers: [{ url: `${options.issuer}api/v2` }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          oAuth2ClientCredentials: {
            type: 'oauth2',
            flows: {
              clientCredentials: {
                tokenUrl: `${options.issuer}oauth/token`,
                scopes: Object.fromEntries(
                  MANAGEMENT_SCOPES.map((sc) => [sc, sc.replace(':', ' ')]),
                ),
              },
            },
          },
        },
      },
      paths,
    }
  }
}

function toParameters(schema: JsonSchema | undefined, where: 'path' | 'query'): unknown[] {
  if (schema?.properties === undefined) return []
  const required = new Set(schema.required ?? [])
  return Object.entries(schema.properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(property.description !== undefined ? { description: property.description } : undefined),
    schema: property,
  }))
}
