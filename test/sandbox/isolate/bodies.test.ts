/**
 * The isolate's bodies (src/sandbox/isolate/bodies.ts, multipart.ts, streams.ts) as plain modules in this Node.js process:
 * multipart/form-data written and read back, the errors of a bad body, and the ReadableStream of
 * a buffered body. Random bytes (the multipart boundary) come from the worker's own service
 * (host-services.ts), connected as the worker connects it. The end-to-end twin, through a worker
 * and an isolate, is test/sandbox/web-bodies.test.ts.
 */
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { hostService } from '../../../src/sandbox/host-services.js'
import { Blob } from '../../../src/sandbox/isolate/blob.js'
import { File, FormData } from '../../../src/sandbox/isolate/bodies.js'
import { extractFormData, parseMultipart } from '../../../src/sandbox/isolate/multipart.js'
import { ReadableStream } from '../../../src/sandbox/isolate/streams.js'
import { connectHost } from '../../../src/sandbox/isolate/host.js'
import { MAX_FORM_PARTS } from '../../../src/sandbox/isolate/limits.js'

function unused(): never {
  throw new Error('not used by these modules')
}

before(() => {
  connectHost(unused, unused, unused, unused, hostService)
})

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (data: Uint8Array) => new TextDecoder().decode(data)

describe('multipart/form-data (in-isolate, run in Node)', () => {
  it('writes a form that Node reads back, and reads back what it wrote', async () => {
    const form = new FormData()
    form.append('name', 'Zoë\nline two')
    form.append('file', new File([bytes('file body')], 'a "quoted".txt', { type: 'text/plain' }))
    form.append('blob', new Blob([bytes('raw')]))
    const { bytes: body, type } = extractFormData(form)
    assert.match(type, /^multipart\/form-data; boundary=----formdata-openhooks-[0-9a-f]{24}$/)

    // Node's own parser (undici) reads it.
    const parsed = await new Response(body, { headers: { 'content-type': type } }).formData()
    assert.equal(parsed.get('name'), 'Zoë\r\nline two')
    const file = parsed.get('file') as globalThis.File
    assert.equal(file.name, 'a "quoted".txt')
    assert.equal(await file.text(), 'file body')
    assert.equal((parsed.get('blob') as globalThis.File).name, 'blob')

    // And ours reads it too.
    const boundary = type.slice(type.indexOf('boundary=') + 'boundary='.length)
    const ours = parseMultipart(body, boundary)
    assert.equal(ours.get('name'), 'Zoë\r\nline two')
    assert.equal(ours.get('file').name, 'a "quoted".txt')
    assert.equal(ours.get('file').type, 'text/plain')
  })

  it('reads a body written by Node', async () => {
    const form = new globalThis.FormData()
    form.append('greeting', 'hello')
    form.append('upload', new globalThis.File(['content'], 'x.bin'))
    const response = new Response(form)
    const type = response.headers.get('content-type') ?? ''
    const body = new Uint8Array(await response.arrayBuffer())
    const ours = parseMultipart(body, type.slice(type.indexOf('boundary=') + 9))
    assert.equal(ours.get('greeting'), 'hello')
    assert.equal(ours.get('upload').name, 'x.bin')
  })

  it('refuses a body without the boundary, and one with too many parts', () => {
    assert.throws(() => parseMultipart(bytes('no parts here'), 'b'), TypeError)
    let many = ''
    for (let i = 0; i <= MAX_FORM_PARTS; i++) {
      many += `--b\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`
    }
    assert.throws(() => parseMultipart(bytes(`${many}--b--\r\n`), 'b'), /more than 1000 parts/)
  })
})

describe('ReadableStream (in-isolate, run in Node)', () => {
  it('hands out what the source enqueued, then done', async () => {
    const stream = new ReadableStream({
      start(controller: { enqueue(chunk: Uint8Array): void; close(): void }) {
        controller.enqueue(bytes('one '))
        controller.enqueue(bytes('two'))
        controller.close()
      },
    })
    const reader = stream.getReader()
    const chunks: string[] = []
    for (;;) {
      const { value, done } = (await reader.read()) as { value: Uint8Array; done: boolean }
      if (done) break
      chunks.push(text(value))
    }
    assert.deepEqual(chunks, ['one ', 'two'])
  })
})
