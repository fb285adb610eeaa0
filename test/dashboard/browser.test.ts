/**
 * The dashboard end to end, in a real browser: playwright-core drives Debian's Chromium (never a
 * downloaded browser) against `openhooks serve` with the real sandbox and the built SPA. Writes
 * screenshots of the hooks page and the editor at 1280×800 and 390×844 to test-output/screenshots.
 */
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { TENANT_LOG_TYPES } from '../../src/tenant-log/tenant-log.js'
import {
  BROWSER_SKIP as SKIP,
  SCREENSHOTS,
  STEP_TIMEOUT_MS,
  signIn,
  startDashboardRig,
  type DashboardRig,
} from '../helpers/dashboard-browser.js'
import type { RunningServer } from '../helpers/spawn-server.js'

const EMAIL = 'operator@example.com'
const PASSWORD = 'e2e-password-0123456789'
const OPERATOR = { email: EMAIL, password: PASSWORD }
const SECRET_VALUE = 'e2e-secret-value-do-not-show'
const POINT = '[data-point="credentials-exchange"]'
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } }

describe('dashboard in a browser', { skip: SKIP }, () => {
  let rig: DashboardRig | undefined
  let server: RunningServer | undefined
  let browser: Browser | undefined

  before(async () => {
    rig = await startDashboardRig('e2e', OPERATOR)
    ;({ server, browser } = rig)
    rmSync(join(SCREENSHOTS, 'failure.png'), { force: true })
  })
  after(() => rig?.close())

  /** A Management API token of the admin client. */
  function adminToken(): Promise<string> {
    assert.ok(rig !== undefined)
    return rig.adminToken()
  }

  /** The hooks as the Management API reports them, with the admin client's own token. */
  async function apiHooks(): Promise<
    { id: string; name: string; enabled: boolean; script: string }[]
  > {
    const res = await fetch(`${server?.url ?? ''}/api/v2/hooks`, {
      headers: { authorization: `Bearer ${await adminToken()}` },
    })
    const body: unknown = await res.json()
    assert.ok(Array.isArray(body), `GET /api/v2/hooks: ${JSON.stringify(body)}`)
    return body as { id: string; name: string; enabled: boolean; script: string }[]
  }

  /**
   * Where each line of a CodeMirror editor is drawn next to where its number is drawn in the
   * gutter: `[line number, content top, gutter top, content height, gutter height]`, in CSS pixels.
   */
  async function lineGeometry(page: Page, label: string): Promise<number[][]> {
    // Runs in the page (the test's TypeScript has no DOM types, hence a string).
    const geometry: unknown = await page.evaluate(`(() => {
      const content = document.querySelector(${JSON.stringify(`[aria-label="${label}"]`)})
      const editor = content && content.closest('.cm-editor')
      if (!editor) return []
      const numbers = new Map()
      for (const element of editor.querySelectorAll('.cm-lineNumbers .cm-gutterElement')) {
        if (element.getBoundingClientRect().height > 0) numbers.set(element.textContent, element)
      }
      return [...content.querySelectorAll('.cm-line')].map((line, i) => {
        const box = line.getBoundingClientRect()
        const number = numbers.get(String(i + 1))
        const at = number ? number.getBoundingClientRect() : { top: NaN, height: NaN }
        return [i + 1, box.top, at.top, box.height, at.height]
      })
    })()`)
    return geometry as number[][]
  }

  function assertLinesAligned(geometry: number[][], when: string): void {
    assert.ok(geometry.length > 5, `${when}: the payload has lines (${geometry.length})`)
    for (const [line = 0, top = 0, numberTop = 0, height = 0, numberHeight = 0] of geometry) {
      // Half a pixel of rounding; a drift of one line per line was 4 px and more.
      assert.ok(
        Math.abs(top - numberTop) < 0.5 && Math.abs(height - numberHeight) < 0.5,
        `${when}: line ${line} is drawn at ${top} (${height} high), its number at ${numberTop} (${numberHeight} high)`,
      )
    }
  }

  async function shoot(page: Page, name: string): Promise<void> {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport)
      await page.screenshot({ path: join(SCREENSHOTS, `${name}-${size}.png`), fullPage: false })
    }
    await page.setViewportSize(VIEWPORTS.desktop)
  }

  async function replaceScript(page: Page, text: string): Promise<void> {
    const editor = page.getByRole('textbox', { name: /^Script of / })
    await editor.click()
    await page.keyboard.press('Control+A')
    await page.keyboard.press('Delete')
    await page.keyboard.insertText(text)
  }

  // Runs before the walk-through, whose last step locks the operator's sign-in for a while.
  it('on a phone (390×844, touch): SMS wording, the Runner payload gutter lines up, the Logs filter lists every event type (issue 18, item 14)', async () => {
    assert.ok(browser !== undefined && server !== undefined)
    const context = await browser.newContext({
      viewport: VIEWPORTS.phone,
      hasTouch: true,
      isMobile: true,
      deviceScaleFactor: 3,
    })
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_TIMEOUT_MS)
    try {
      await signIn(page, server.url, OPERATOR, 'tap')

      // Send Phone Message offers SMS only: nothing on the page speaks of voice.
      const phonePoint = page.locator('[data-point="send-phone-message"]')
      await phonePoint.getByText('must be sent by SMS;').waitFor()
      assert.doesNotMatch(await phonePoint.innerText(), /voice/i)
      await page.getByLabel('Name', { exact: true }).fill('phone-hook')
      await page.getByLabel('Extensibility point').selectOption('send-phone-message')
      await page.getByRole('button', { name: 'Create', exact: true }).tap()
      await page.getByRole('link', { name: 'Edit phone-hook' }).tap()
      const script = page.getByRole('textbox', { name: /^Script of / })
      await script.getByText('your own SMS provider').waitFor()
      assert.doesNotMatch(await script.innerText(), /voice/i)

      // The Runner's payload editor starts below the fold: its line numbers must sit on its lines
      // before it is scrolled to, and after.
      const payload = page.getByRole('textbox', { name: 'Runner payload (JSON)' })
      await payload.getByText('"recipient"').waitFor()
      assert.ok(((await payload.boundingBox())?.y ?? 0) > VIEWPORTS.phone.height, 'below the fold')
      await page.screenshot({ path: join(SCREENSHOTS, 'runner-phone-full.png'), fullPage: true })
      assertLinesAligned(await lineGeometry(page, 'Runner payload (JSON)'), 'below the fold')
      await page.getByRole('heading', { name: 'Runner', level: 2 }).scrollIntoViewIfNeeded()
      await page.mouse.wheel(0, 200)
      await page.screenshot({ path: join(SCREENSHOTS, 'runner-phone.png') })
      assertLinesAligned(await lineGeometry(page, 'Runner payload (JSON)'), 'scrolled to')

      // The Logs filter lists the server's whole catalogue, the MFA events included.
      await page.goto(`${server.url}/logs`)
      await page.getByRole('heading', { name: 'Logs', level: 1 }).waitFor()
      const filter = page.getByLabel('Type')
      await filter.locator('option[value="gd_auth_succeed"]').waitFor({ state: 'attached' })
      const optionValues: unknown = await page.evaluate(
        `[...document.querySelectorAll('#log-type option')].map((o) => o.value)`,
      )
      const values = optionValues as string[]
      assert.deepStrictEqual(values, ['', ...Object.keys(TENANT_LOG_TYPES)])
      for (const type of ['gd_auth_succeed', 'gd_enrollment_complete', 'seoobft', 'feoobft']) {
        assert.ok(values.includes(type), type)
      }
      await filter.selectOption('gd_enrollment_complete')
      await page.getByText('No events.').waitFor()
      await page.screenshot({ path: join(SCREENSHOTS, 'logs-phone.png') })
    } catch (error) {
      await page.screenshot({ path: join(SCREENSHOTS, 'failure.png') }).catch(() => undefined)
      throw error
    } finally {
      await context.close()
      // The walk-through counts the hooks it made.
      const token = await adminToken()
      for (const hook of await apiHooks()) {
        await fetch(`${server.url}/api/v2/hooks/${hook.id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` },
        })
      }
    }
  })

  it("the editor's Live logs show each run by a real signup, with console output, outcome and duration; Save asks before saving a script that does not compile (issue 18, items 5 and 7)", async () => {
    assert.ok(browser !== undefined && server !== undefined)
    const url = server.url
    const token = await adminToken()
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : undefined),
      })
      assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`)
      return (await res.json()) as Record<string, unknown>
    }
    const clientId = String((await call('POST', '/api/v2/clients', { name: 'Live App' })).client_id)
    const crm = await call('POST', '/api/v2/hooks', {
      name: 'crm-hook',
      triggerId: 'post-user-registration',
      enabled: true,
      script:
        "module.exports = function (user, context, cb) {\n  console.log('sent to the CRM:', user.email)\n  if (user.email.startsWith('fail')) throw new Error('the CRM said no')\n  cb()\n}\n",
    })
    const draft = await call('POST', '/api/v2/hooks', {
      name: 'draft-hook',
      triggerId: 'post-user-registration',
      enabled: false,
      script: 'module.exports = function (user, context, cb) { cb() }\n',
    })
    const signUp = (email: string) =>
      call('POST', '/dbconnections/signup', {
        client_id: clientId,
        email,
        password: 'Live-logs-pa55word!',
        connection: 'Username-Password-Authentication',
      })

    const context = await browser.newContext({ viewport: VIEWPORTS.desktop })
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_TIMEOUT_MS)
    try {
      await signIn(page, url, OPERATOR)

      // Live logs: a success and a failure of post-user-registration, each with its output.
      await page.getByRole('link', { name: 'Edit crm-hook' }).click()
      await page.getByText('Live: waiting for this hook to run…').waitFor()
      const live = page.getByRole('list', { name: 'Executions of this hook' })
      await signUp('ada@example.com')
      const success = live.getByRole('listitem').filter({ hasText: 'ada@example.com' })
      await success.getByText('[log] sent to the CRM: ada@example.com').waitFor()
      assert.match(await success.innerText(), /succeeded · \d+\.\d ms/)
      await signUp('fail@example.com')
      const failure = live.getByRole('listitem').filter({ hasText: 'fail@example.com' })
      await failure.getByText('[log] sent to the CRM: fail@example.com').waitFor()
      assert.match(await failure.innerText(), /failed \(hook-error\) · \d+\.\d ms/)
      await failure.getByText('the CRM said no').waitFor()
      await live.scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(SCREENSHOTS, 'live-logs.png') })

      // A disabled hook: Save asks first; declining saves nothing, accepting saves.
      await page.getByRole('link', { name: '← Hooks' }).click()
      await page.getByRole('link', { name: 'Edit draft-hook' }).click()
      await page.getByRole('heading', { name: /draft-hook/, level: 1 }).waitFor()
      const broken = 'module.exports = function (user, context, cb) {\n  cb()\n'
      await replaceScript(page, broken)
      const questions: string[] = []
      page.once('dialog', (dialog) => {
        questions.push(dialog.message())
        void dialog.dismiss()
      })
      await page.getByRole('button', { name: 'Save', exact: true }).click()
      await page.getByText('Not saved: the script does not compile.').waitFor()
      assert.deepStrictEqual(questions, [
        'This script does not compile: Unexpected end of input [hook.js:3:1]\n\nA hook whose script does not compile cannot be enabled. Save it anyway?',
      ])
      await page.getByText('Compile error: Unexpected end of input [hook.js:3:1]').waitFor()
      const stored = async () => (await call('GET', `/api/v2/hooks/${String(draft.id)}`)).script
      assert.equal(await stored(), 'module.exports = function (user, context, cb) { cb() }\n')
      page.once('dialog', (dialog) => void dialog.accept())
      await page.getByRole('button', { name: 'Save', exact: true }).click()
      await page
        .getByRole('status')
        .filter({ hasText: /^Saved at/ })
        .waitFor()
      assert.equal(await stored(), broken)

      // An enabled hook: nothing to ask, the server refuses it and says why.
      await page.getByRole('link', { name: '← Hooks' }).click()
      await page.getByRole('link', { name: 'Edit crm-hook' }).click()
      await page.getByRole('heading', { name: /crm-hook/, level: 1 }).waitFor()
      let asked = false
      page.once('dialog', (dialog) => {
        asked = true
        void dialog.dismiss()
      })
      await replaceScript(page, broken)
      await page.getByRole('button', { name: 'Save', exact: true }).click()
      await page
        .getByText(
          'Not saved: The script does not compile, so the hook cannot be enabled: Unexpected end of input [hook.js:3:1]',
        )
        .waitFor()
      assert.equal(asked, false)
    } catch (error) {
      await page.screenshot({ path: join(SCREENSHOTS, 'failure-live.png') }).catch(() => undefined)
      throw error
    } finally {
      await context.close()
      // The walk-through below counts the hooks: leave none of these behind.
      for (const hook of [crm, draft]) {
        await fetch(`${url}/api/v2/hooks/${String(hook.id)}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` },
        })
      }
    }
  })

  it('walks through sign-in, hooks, editor, secrets, runner, enabling, rename, delete and sign-out', async () => {
    assert.ok(browser !== undefined && server !== undefined)
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop })
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_TIMEOUT_MS)
    page.on('dialog', (dialog) => void dialog.accept())
    // Anything the page's Content-Security-Policy blocks is reported on the console.
    const cspViolations: string[] = []
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text())
    })
    try {
      // Sign-in: a wrong password first, then the right one.
      await page.goto(server.url)
      await page.waitForURL('**/sign-in')
      await page.getByLabel('Email').fill(EMAIL)
      await page.getByLabel('Password').fill('not the password')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor()
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Hooks', level: 1 }).waitFor()
      await page.waitForURL('**/hooks')
      // Keyboard: the first Tab reaches the skip link, which moves focus to the content.
      await page.keyboard.press('Tab')
      assert.equal(await page.locator(':focus').innerText(), 'Skip to content')
      for (const title of [
        'Client Credentials Exchange',
        'Pre-User Registration',
        'Post-User Registration',
        'Post-Change Password',
        'Send Phone Message',
      ]) {
        await page.getByRole('heading', { name: title, level: 2 }).waitFor()
      }

      // The first hook of a point is enabled, the second is not.
      const create = async (name: string) => {
        await page.getByLabel('Name', { exact: true }).fill(name)
        await page.getByLabel('Extensibility point').selectOption('credentials-exchange')
        await page.getByRole('button', { name: 'Create', exact: true }).click()
      }
      await create('first-hook')
      await page.locator(`${POINT} [data-hook="first-hook"] [aria-label="enabled"]`).waitFor()
      await create('second-hook')
      await page.locator(`${POINT} [data-hook="second-hook"] [aria-label="disabled"]`).waitFor()
      assert.equal(await page.locator(`${POINT} [data-hook="first-hook"] .dot.on`).count(), 1)
      // A name that is taken: the API's 409 message, next to the form.
      await create('first-hook')
      await page
        .getByRole('alert')
        .filter({ hasText: 'Hook with the same name already exists.' })
        .waitFor()
      await shoot(page, 'hooks')

      // Edit the second hook, save with the keyboard, reload, see the saved script.
      await page.getByRole('link', { name: 'Edit second-hook' }).click()
      await page.getByRole('heading', { name: /second-hook/, level: 1 }).waitFor()
      await replaceScript(
        page,
        "module.exports = function (client, scope, audience, context, cb) {\nconsole.log('saved run', Object.keys(context.webtask.secrets).join(','))\ncb(null, { scope })\n}\n",
      )
      await page.getByLabel('unsaved changes').waitFor()
      await page.keyboard.press('Control+S')
      await page
        .getByRole('status')
        .filter({ hasText: /^Saved at/ })
        .waitFor()
      assert.equal(await page.getByLabel('unsaved changes').count(), 0)
      await page.reload()
      await page.getByText("console.log('saved run'").waitFor()

      // A secret: added, listed by name, its value never shown again.
      await page.getByLabel('Secret name').fill('API_KEY')
      await page.getByLabel('Value', { exact: true }).fill(SECRET_VALUE)
      await page.getByRole('button', { name: 'Add secret' }).click()
      await page.locator('[data-secret="API_KEY"]').waitFor()
      assert.equal(await page.getByLabel('Value', { exact: true }).inputValue(), '')
      await page.reload()
      await page.locator('[data-secret="API_KEY"]').waitFor()
      assert.ok(
        !(await page.content()).includes(SECRET_VALUE),
        'the secret value is not on the page',
      )
      // The Activity list: who changed what (the audit trail's sapi events of this hook).
      const activity = page.locator('.activity-list')
      await activity.getByText('added secret API_KEY').waitFor()
      await activity.getByText('changed script').waitFor()
      await activity.getByText('created the hook').waitFor()
      assert.equal(
        await activity
          .locator('li', { hasText: 'added secret API_KEY' })
          .locator('.who')
          .innerText(),
        EMAIL,
      )

      // The Runner runs the editor's unsaved text, with the hook's secrets.
      await replaceScript(
        page,
        "module.exports = function (client, scope, audience, context, cb) {\nconsole.log('unsaved run', Object.keys(context.webtask.secrets).join(','))\ncb(null, { scope, answer: 42 })\n}\n",
      )
      await page.getByText('Run uses the script as it is in the editor now').waitFor()
      await page.getByRole('button', { name: '▶ Run' }).click()
      const result = page.getByTestId('run-result')
      await result.getByText('Succeeded').waitFor()
      await result.getByText('[log] unsaved run API_KEY').waitFor()
      await result.getByText('"answer": 42').waitFor()
      assert.match(await result.locator('.duration').innerText(), /^\d+\.\d ms$/)
      await shoot(page, 'editor')
      // The saved script is still the saved one.
      assert.match(
        (await apiHooks()).find((h) => h.name === 'second-hook')?.script ?? '',
        /saved run/,
      )

      // Enable the second hook: the confirmation names the hook that gets disabled.
      await page.getByRole('link', { name: '← Hooks' }).click() // confirm() accepted: leave unsaved
      await page.getByLabel('Enabled hook').first().selectOption({ label: 'second-hook' })
      await page
        .getByRole('dialog')
        .getByText(
          'second-hook will run for Client Credentials Exchange, and first-hook will be disabled.',
        )
        .waitFor()
      await page.getByRole('dialog').getByRole('button', { name: 'Enable' }).click()
      await page.locator(`${POINT} [data-hook="second-hook"] [aria-label="enabled"]`).waitFor()
      await page.locator(`${POINT} [data-hook="first-hook"] [aria-label="disabled"]`).waitFor()
      const hooks = await apiHooks()
      assert.deepEqual(
        hooks.map((h) => [h.name, h.enabled]),
        [
          ['first-hook', false],
          ['second-hook', true],
        ],
      )

      // Rename, then delete with confirmation.
      await page.getByRole('button', { name: 'Rename second-hook' }).click()
      await page.getByLabel('New name').fill('renamed-hook')
      await page.getByRole('dialog').getByRole('button', { name: 'Rename' }).click()
      await page.locator(`${POINT} [data-hook="renamed-hook"]`).waitFor()
      await page.getByRole('button', { name: 'Delete first-hook' }).click()
      await page
        .getByRole('dialog')
        .getByText('first-hook and its secrets will be deleted.')
        .waitFor()
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click()
      await page.getByRole('status').filter({ hasText: 'Deleted first-hook.' }).waitFor()
      assert.deepEqual(
        (await apiHooks()).map((h) => h.name),
        ['renamed-hook'],
      )

      // The tenant Logs page shows the sign-in events.
      await page.getByRole('link', { name: 'Logs', exact: true }).click()
      await page.getByRole('heading', { name: 'Logs', level: 1 }).waitFor()
      await page.getByLabel('Type').selectOption('fp')
      await page
        .getByRole('button', { name: /Wrong password/ })
        .first()
        .click()
      await page.locator('pre').filter({ hasText: '"type": "fp"' }).waitFor()

      // Sign out: back to the sign-in page; the API refuses the old session.
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.getByRole('heading', { name: 'Sign in to openhooks' }).waitFor()
      await page.goto(`${server.url}/hooks`)
      await page.getByRole('heading', { name: 'Sign in to openhooks' }).waitFor()

      // Failed sign-ins are limited: five in a row (the successful sign-in cleared the first),
      // and the next attempt, even with the right password, shows when to try again.
      await page.getByLabel('Email').fill(EMAIL)
      for (let i = 0; i < 5; i++) {
        await page.getByLabel('Password').fill(`wrong-${i}`)
        const answered = page.waitForResponse(
          (r) => r.url().endsWith('/_dashboard/session') && r.request().method() === 'POST',
        )
        await page.getByRole('button', { name: 'Sign in' }).click()
        assert.equal((await answered).status(), 401)
      }
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page
        .getByRole('alert')
        .filter({ hasText: /^Too many failed sign-ins\. Try again in \d+ seconds\.$/ })
        .waitFor()
      assert.deepEqual(cspViolations, [])
    } catch (error) {
      await page.screenshot({ path: join(SCREENSHOTS, 'failure.png') }).catch(() => undefined)
      throw error
    } finally {
      await context.close()
    }
  })
})
