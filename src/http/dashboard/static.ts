/**
 * Serves the built dashboard (`dist/dashboard`, made by `npm run build`) at `/`. Files are read
 * once at start and kept in memory, with a gzip copy made on first request. `/assets/*` names
 * carry a content hash and are cached for a year; `index.html` is revalidated on every load. The SPA's own routes (`/`,
 * `/sign-in`, `/hooks`, `/hooks/:id`, `/logs`) all answer `index.html`; every other path keeps
 * its usual owner (`/api/v2`, `/oauth`, `/dbconnections`, `/lo/reset`, `/.well-known`, `/healthz`).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'

/** Where `vite build` writes the dashboard, from the package root (same depth from src/ and dist/). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(
  new URL('../../../dist/dashboard/', import.meta.url),
)
/** The SPA's client-side routes, answered with `index.html`. */
export const DASHBOARD_ROUTES = ['/', '/sign-in', '/hooks', '/hooks/:id', '/logs'] as const
/** Cache lifetime of hashed assets, in seconds. */
export const ASSET_MAX_AGE_S = 365 * 24 * 60 * 60
/** Files smaller than this are sent as they are, in bytes. */
const MIN_GZIP_BYTES = 1024

/**
 * The page's Content-Security-Policy: scripts only from this origin; inline styles are allowed
 * because CodeMirror writes its theme into a `<style>` element at run time.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const PAGE_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
} as const

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
}

interface StaticFile {
  readonly body: Buffer
  /** Whether a gzip copy is worth sending; made on first request, so start-up stays fast. */
  readonly compressible: boolean
  gzip?: Buffer
  readonly type: string
  readonly etag: string
}

function load(path: string): StaticFile {
  const body = readFileSync(path)
  const type = TYPES[extname(path)] ?? 'application/octet-stream'
  const compressible = /^(text\/|application\/json|image\/svg)/.test(type)
  return {
    body,
    compressible: compressible && body.length >= MIN_GZIP_BYTES,
    type,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  }
}

function walk(root: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>()
  for (const entry of readdirSync(root, { recursive: true })) {
    const path = join(root, String(entry))
    if (!statSync(path).isFile()) continue
    files.set(`/${relative(root, path).split(sep).join('/')}`, load(path))
  }
  return files
}

export interface DashboardStaticOptions {
  /** The built SPA; DEFAULT_DASHBOARD_DIR unless given. */
  readonly dir?: string
}

const NOT_BUILT =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>openhooks</title></head>' +
  '<body><h1>The dashboard is not built</h1><p>Run <code>npm run build</code> (it runs on ' +
  '<code>npm install</code>) and restart the server.</p></body></html>'

export const dashboardStaticPlugin: FastifyPluginAsync<DashboardStaticOptions> = async (
  app,
  options,
) => {
  const dir = options.dir ?? DEFAULT_DASHBOARD_DIR
  const files = existsSync(join(dir, 'index.html')) ? walk(dir) : new Map<string, StaticFile>()
  const index = files.get('/index.html')

  const send = (request: FastifyRequest, reply: FastifyReply, file: StaticFile) => {
    void reply
      .header('etag', file.etag)
      .header('content-type', file.type)
      .header('vary', 'accept-encoding')
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send()
    const accepts = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')
    if (file.compressible && accepts) {
      file.gzip ??= gzipSync(file.body, { level: 9 })
      return reply.header('content-encoding', 'gzip').send(file.gzip)
    }
    return reply.send(file.body)
  }

  for (const route of DASHBOARD_ROUTES) {
    app.get(route, async (request, reply) => {
      void reply.headers(PAGE_HEADERS)
      if (index === undefined) {
        return reply.code(503).header('content-type', 'text/html; charset=utf-8').send(NOT_BUILT)
      }
      return send(request, reply, index)
    })
  }

  // Every other built file (hashed assets, the icon) at its own path.
  for (const [path, file] of files) {
    if (path === '/index.html') continue
    const hashed = path.startsWith('/assets/')
    app.get(path, async (request, reply) => {
      void reply
        .header('x-content-type-options', 'nosniff')
        .header(
          'cache-control',
          hashed ? `public, max-age=${ASSET_MAX_AGE_S}, immutable` : 'no-cache',
        )
      return send(request, reply, file)
    })
  }
}
