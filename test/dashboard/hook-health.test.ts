/**
 * Hook health in the dashboard (issue 21), in a real browser: playwright-core drives Debian's
 * Chromium (never a downloaded browser) against `openhooks serve` with the real sandbox, the built
 * SPA and no Prometheus. Two hooks run real token exchanges, one of them failing once; the Hooks
 * page shows each hook's calls, failures and p50/p99 as the API computes them, the failing hook
 * wears the red badge, and the editor's chart holds the same calls and failures.
 * With OPENHOOKS_DOCS_SCREENSHOT=1 the test also writes docs/screenshots/hook-health*.png.
 */
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import {
  BROWSER_SKIP as SKIP,
  SCREENSHOTS,
  STEP_TIMEOUT_MS,
  signIn,
  startDashboardRig,
  type DashboardRig,
} from '../helpers/dashboard-browser.js'
import type { RunningServer } from '../helpers/spawn-server.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Where the README's screenshots go, when OPENHOOKS_DOCS_SCREENSHOT=1. */
const DOCS_IMAGES = join(ROOT, 'docs', 'screenshots')
const DOCS_SCREENSHOT = process.env['OPENHOOKS_DOCS_SCREENSHOT'] === '1'
/** Longest wait for the tenant log to show the exchanges' hook runs, in milliseconds. */
const LOG_TIMEOUT_MS = 15_000
const LOG_POLL_MS = 100
const EMAIL = 'operator@example.com'
const PASSWORD = 'health-password-0123456789'
const OPERATOR = { email: EMAIL, password: PASSWORD }

/** Succeeds, unless the exchange asks for every scope (then `read:logs` is among them). */
const FLAKY = `module.exports = function (client, scope, audience, context, cb) {
  if (scope.indexOf('read:logs') !== -1) return cb(new Error('the CRM is down'))
  cb(null, { scope })
}
`
const HEALTHY = `module.exports = function (client, scope, audience, context, cb) {
  cb(null, { scope })
}
`

interface Figures {
  calls: number
  failures: number
  p50_ms?: number
  p99_ms?: number
}
interface Health {
  hook_id: string
  last_hour: Figures
  last_24h: Figures
}

/** The text the Hooks page shows for a window's figures. */
function shown(figures: Figures): string {
  const calls = `${figures.calls} ${figures.calls === 1 ? 'call' : 'calls'}`
  // Durations to a tenth of a millisecond at most.
  const ms = (value: number | undefined) => String(Number(value?.toFixed(1)))
  return `${calls} · ${figures.failures} failed · p50 ${ms(figures.p50_ms)} ms · p99 ${ms(figures.p99_ms)} ms`
}

describe('hook health on the Hooks page and in the editor', { skip: SKIP }, () => {
  let rig: DashboardRig | undefined
  let server: RunningServer | undefined
  let browser: Browser | undefined

  before(async () => {
    rig = await startDashboardRig('health', OPERATOR)
    ;({ server, browser } = rig)
  })
  after(() => rig?.close())

  /** A client-credentials exchange of the admin client: runs the enabled credentials-exchange hook. */
  function exchange(scope: string | undefined): Promise<Response> {
    return fetch(`${server?.url ?? ''}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: rig?.admin.client_id,
        client_secret: rig?.admin.client_secret,
        audience: `${rig?.issuer ?? ''}api/v2/`,
        ...(scope !== undefined ? { scope } : undefined),
      }),
    })
  }

  function management(method: string, path: string, body?: unknown): Promise<unknown> {
    assert.ok(rig !== undefined)
    return rig.management(method, path, body)
  }

  it('shows calls, failures and p50/p99 per hook, marks the failing one, and charts them', async () => {
    assert.ok(browser !== undefined && server !== undefined)
    const healthy = (await management('POST', '/hooks', {
      name: 'healthy-hook',
      script: HEALTHY,
      triggerId: 'credentials-exchange',
    })) as { id: string }
    for (let i = 0; i < 2; i += 1) assert.equal((await exchange('read:hooks')).status, 200)
    const flaky = (await management('POST', '/hooks', {
      name: 'flaky-hook',
      script: FLAKY,
      triggerId: 'credentials-exchange',
    })) as { id: string }
    await management('PATCH', `/hooks/${flaky.id}`, { enabled: true })
    for (let i = 0; i < 2; i += 1) assert.equal((await exchange('read:hooks')).status, 200)
    const failed = await exchange(undefined)
    assert.notEqual(failed.status, 200, 'the flaky hook refused the exchange')

    // The runs reach the tenant log (group commit): wait for the API to count all five.
    const deadline = Date.now() + LOG_TIMEOUT_MS
    let health: Health[] = []
    const calls = (id: string) => health.find((h) => h.hook_id === id)?.last_hour.calls
    while (calls(healthy.id) !== 2 || calls(flaky.id) !== 3) {
      assert.ok(Date.now() < deadline, `hook runs not counted: ${JSON.stringify(health)}`)
      await sleep(LOG_POLL_MS)
      health = (await management('GET', '/hooks/health')) as Health[]
    }
    const of = (id: string) => health.find((h) => h.hook_id === id) as Health
    assert.deepEqual([of(healthy.id).last_hour.failures, of(flaky.id).last_hour.failures], [0, 1])

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_TIMEOUT_MS)
    try {
      await signIn(page, server.url, OPERATOR)

      // The Hooks page: each hook's figures, as the API computed them, for both windows.
      for (const [name, id] of [
        ['healthy-hook', healthy.id],
        ['flaky-hook', flaky.id],
      ] as const) {
        const row = page.locator(`[data-health="${name}"]`)
        await row.waitFor()
        assert.equal(
          await row.locator('[data-window="1h"]').innerText(),
          `1 h: ${shown(of(id).last_hour)}`,
        )
        assert.equal(
          await row.locator('[data-window="24h"]').innerText(),
          `24 h: ${shown(of(id).last_24h)}`,
        )
      }
      // 1 failure in 3 calls is above the threshold: the flaky hook stands out, in red.
      const badge = page.locator('[data-health="flaky-hook"] .badge.failing')
      assert.equal(await badge.innerText(), 'failing 33 %')
      // Runs in the page (the tests' types have no DOM): the badge's computed background.
      type Styles = { getComputedStyle: (el: unknown) => { backgroundColor: string } }
      const color = await badge.evaluate(
        (el) => (globalThis as unknown as Styles).getComputedStyle(el).backgroundColor,
      )
      assert.equal(color, 'rgb(179, 38, 30)', 'the badge is red (--danger)')
      assert.equal(await page.locator('[data-health="healthy-hook"] .badge.failing').count(), 0)
      await page.screenshot({ path: join(SCREENSHOTS, 'hook-health.png'), fullPage: true })
      if (DOCS_SCREENSHOT) {
        mkdirSync(DOCS_IMAGES, { recursive: true })
        await page.screenshot({ path: join(DOCS_IMAGES, 'hook-health.png') })
      }

      // The editor: the chart's buckets add up to the hook's calls and failures, in both windows.
      await page.getByRole('link', { name: 'Edit flaky-hook' }).click()
      const panel = page.getByRole('region', { name: 'Health' })
      await panel.getByRole('heading', { name: 'Health' }).waitFor()
      for (const [button, figures] of [
        ['Last hour', of(flaky.id).last_hour],
        ['Last 24 hours', of(flaky.id).last_24h],
      ] as const) {
        await panel.getByRole('button', { name: button }).click()
        const chart = panel.getByRole('img', { name: `${button}: 3 calls, 1 failed` })
        await chart.waitFor()
        const buckets = await chart.locator('[data-bucket]').all()
        let [bucketCalls, bucketFailures] = [0, 0]
        for (const bucket of buckets) {
          bucketCalls += Number(await bucket.getAttribute('data-calls'))
          bucketFailures += Number(await bucket.getAttribute('data-failures'))
        }
        assert.equal(buckets.length, button === 'Last hour' ? 12 : 24)
        assert.deepEqual([bucketCalls, bucketFailures], [figures.calls, figures.failures])
        assert.equal(await panel.locator('.health-figures').innerText(), shown(figures))
        assert.ok((await chart.locator('polyline.p99').getAttribute('points')) !== '')
      }
      await panel.locator('.badge.failing').waitFor()
      await panel.getByRole('button', { name: 'Last hour' }).click()
      await panel.getByRole('img', { name: 'Last hour: 3 calls, 1 failed' }).waitFor()
      await panel.scrollIntoViewIfNeeded()
      await panel.screenshot({ path: join(SCREENSHOTS, 'hook-health-editor.png') })
      if (DOCS_SCREENSHOT) {
        await panel.screenshot({ path: join(DOCS_IMAGES, 'hook-health-editor.png') })
      }
    } catch (error) {
      await page
        .screenshot({ path: join(SCREENSHOTS, 'hook-health-failure.png'), fullPage: true })
        .catch(() => undefined)
      throw error
    } finally {
      await context.close()
    }
  })
})
