// `openhooks serve` with OPENHOOKS_METRICS=on and OPENHOOKS_METRICS_PORT: the metrics listener is
// on loopback, serves the text format without a token, and the main port has no /metrics.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { spawnServer } from '../helpers/spawn-server.js'
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js'

test('serve starts a loopback metrics listener and closes it on SIGTERM', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openhooks-metrics-'))
  t.after(() => rmSync(dataDir, { recursive: true, force: true }))
  const server = await spawnServer({
    OPENHOOKS_DATA_DIR: dataDir,
    OPENHOOKS_MASTER_KEY: randomBytes(32).toString('base64'),
    OPENHOOKS_ADMIN_CLIENT_ID: 'metrics-admin',
    OPENHOOKS_ADMIN_CLIENT_SECRET: 'metrics-admin-secret-0123456789',
    OPENHOOKS_SANDBOX_WORKERS: '1',
    OPENHOOKS_SANDBOX_TOKEN_WORKERS: '1',
    OPENHOOKS_METRICS: 'on',
    OPENHOOKS_METRICS_PORT: '0',
  })
  t.after(() => server.child.kill('SIGKILL'))
  const url = /"event":"metrics.listening","url":"([^"]+)"/.exec(server.stdout())?.[1]
  assert.ok(url !== undefined, server.stdout())
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
  const res = await fetch(url)
  assert.equal(res.status, 200)
  const exposition = parsePrometheusText(await res.text())
  // The sandbox is sampled at the scrape: the two workers (one general, one for the token point).
  assert.equal(sampleValue(exposition, 'openhooks_sandbox_workers'), 2)
  assert.equal(exposition.types.get('openhooks_process_resident_memory_bytes'), 'gauge')
  assert.equal((await fetch(`${server.url}/metrics`)).status, 404)
  server.child.kill('SIGTERM')
  assert.equal(await server.exited, 0)
  await assert.rejects(fetch(url))
})
