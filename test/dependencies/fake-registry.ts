/**
 * A tiny npm registry on 127.0.0.1 for the dependency tests: packuments and tarballs made in the
 * test, so that native addons, hostile code and oversized bundles are tested without the network.
 */
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'

export interface FakePackage {
  readonly name: string
  readonly version: string
  /** Path inside the package → content. `package.json` is generated unless given. */
  readonly files: Readonly<Record<string, string | Buffer>>
  readonly dependencies?: Readonly<Record<string, string>>
  /** Extra fields of the generated package.json (and of the packument's version entry). */
  readonly manifest?: Readonly<Record<string, unknown>>
}

export interface FakeRegistry {
  readonly url: string
  /** Every path requested, in order. */
  readonly requests: string[]
  close(): Promise<void>
}

/** A ustar header and the padded content of one regular file. */
function tarEntry(path: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512)
  const put = (text: string, offset: number, length: number) => {
    header.write(text.slice(0, length), offset, 'ascii')
  }
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0')
  put(path, 0, 100)
  put(octal(0o644, 8), 100, 8)
  put(octal(0, 8), 108, 8)
  put(octal(0, 8), 116, 8)
  put(octal(content.length, 12), 124, 12)
  put(octal(0, 12), 136, 12)
  put('        ', 148, 8)
  put('0', 156, 1)
  put('ustar\u000000', 257, 8)
  let sum = 0
  for (const byte of header) sum += byte
  put(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8)
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512)
  return Buffer.concat([header, content, padding])
}

function tarball(pkg: FakePackage): Buffer {
  const files: Record<string, string | Buffer> = {
    'package.json': JSON.stringify({
      name: pkg.name,
      version: pkg.version,
      main: 'index.js',
      dependencies: pkg.dependencies ?? {},
      ...pkg.manifest,
    }),
    ...pkg.files,
  }
  const parts = Object.entries(files).map(([path, content]) =>
    tarEntry(`package/${path}`, Buffer.isBuffer(content) ? content : Buffer.from(content)),
  )
  return gzipSync(Buffer.concat([...parts, Buffer.alloc(1024)]))
}

export async function startFakeRegistry(packages: readonly FakePackage[]): Promise<FakeRegistry> {
  const requests: string[] = []
  const tarballs = new Map<string, Buffer>()
  let base = ''
  const packuments = new Map<string, Record<string, unknown>>()
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')
    requests.push(path)
    const tgz = tarballs.get(path)
    if (tgz !== undefined) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.end(tgz)
      return
    }
    const packument = packuments.get(path.slice(1))
    if (packument === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'Not found' }))
      return
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    res.end(JSON.stringify(packument).replaceAll('REGISTRY_BASE', base))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  for (const pkg of packages) {
    const file = `/${pkg.name}/-/${pkg.name}-${pkg.version}.tgz`
    const tgz = tarball(pkg)
    tarballs.set(file, tgz)
    const packument = packuments.get(pkg.name) ?? {
      name: pkg.name,
      'dist-tags': {},
      versions: {},
    }
    ;(packument['dist-tags'] as Record<string, string>).latest = pkg.version
    ;(packument.versions as Record<string, unknown>)[pkg.version] = {
      name: pkg.name,
      version: pkg.version,
      dependencies: pkg.dependencies ?? {},
      ...pkg.manifest,
      dist: {
        tarball: `REGISTRY_BASE${file}`,
        shasum: createHash('sha1').update(tgz).digest('hex'),
        integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}`,
      },
    }
    packuments.set(pkg.name, packument)
  }
  return {
    url: `${base}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
