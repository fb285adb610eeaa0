import type { FastifyInstance } from 'fastify'

/** A request body that could not be parsed; each scope's error handler words it. */
export class BodyParseError extends Error {
  override readonly name = 'BodyParseError'
  readonly kind: 'invalid-json' | 'invalid-form'
  constructor(kind: 'invalid-json' | 'invalid-form', message: string) {
    super(message)
    this.kind = kind
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

function rejectPoisonedKeys(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key))
    throw new BodyParseError('invalid-json', `Forbidden property name: ${key}`)
  return value
}

/**
 * JSON and form bodies for one scope. JSON: an empty body is no body (clients send
 * `Content-Type: application/json` on GET and DELETE, compat §2.1); `__proto__`, `constructor`
 * and `prototype` keys are refused. Form: flat string fields; a repeated field becomes an array,
 * which schemas then reject.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    ['application/json', 'application/*+json'],
    { parseAs: 'string' },
    (_request, body, done) => {
      const text = (body as string).trim()
      if (text === '') {
        done(null, undefined)
        return
      }
      try {
        done(null, JSON.parse(text, rejectPoisonedKeys))
      } catch (error) {
        done(
          error instanceof BodyParseError
            ? error
            : new BodyParseError('invalid-json', 'Invalid request payload JSON format'),
          undefined,
        )
      }
    },
  )
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      const out: Record<string, string | string[]> = Object.create(null) as Record<
        string,
        string | string[]
      >
      for (const [key, value] of new URLSearchParams(body as string)) {
        if (FORBIDDEN_KEYS.has(key)) {
          done(new BodyParseError('invalid-form', `Forbidden property name: ${key}`), undefined)
          return
        }
        const previous = out[key]
        out[key] =
          previous === undefined
            ? value
            : Array.isArray(previous)
              ? [...previous, value]
              : [previous, value]
      }
      done(null, { ...out })
    },
  )
}
