/**
 * What the browser test does on a machine without Chromium: one skip line naming the browser when
 * `CI` is unset, a failure under CI (issue 18.2). Runs the real test file in a child process with
 * OPENHOOKS_TEST_CHROMIUM pointing at a path that does not exist.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'

const BROWSER_TEST = fileURLToPath(new URL('./browser.test.ts', import.meta.url))
const ABSENT = '/nonexistent/openhooks-test/chromium'

function runBrowserTest(ci: string | undefined): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENHOOKS_TEST_CHROMIUM: ABSENT }
  delete env['CI']
  // This file runs under `node --test`, whose context variable would make the child report in
  // the runner's binary protocol instead of TAP.
  delete env['NODE_TEST_CONTEXT']
  if (ci !== undefined) env['CI'] = ci
  return new Promise((resolve) => {
    // TAP, named: the default reporter off a terminal is TAP up to Node.js 22 and `spec` from 24
    // on, which writes a skip as `﹣ name # reason`, without `# SKIP`.
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), '--test', '--test-reporter=tap', BROWSER_TEST],
      { env },
    )
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
    child.on('exit', (code) => resolve({ code, out }))
  })
}

describe('the browser test without Chromium', () => {
  it('skips with one line naming the missing browser when CI is unset', async () => {
    const { code, out } = await runBrowserTest(undefined)
    assert.equal(code, 0, out)
    const skips = out.split('\n').filter((line) => line.includes('# SKIP'))
    assert.equal(skips.length, 1, out)
    assert.match(
      skips[0] ?? '',
      /# SKIP Chromium is not installed at \/nonexistent\/openhooks-test\/chromium \(sudo apt-get install chromium\); set CI=true to make this a failure$/,
    )
  })

  it('fails, naming the browser, under CI=true', async () => {
    const { code, out } = await runBrowserTest('true')
    assert.equal(code, 1, out)
    assert.match(out, /Chromium is not installed at \/nonexistent\/openhooks-test\/chromium/)
    assert.doesNotMatch(out, /# SKIP/)
  })
})
