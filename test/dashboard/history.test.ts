/**
 * The hook editor's History panel and failure-policy control (issue 22), in a real browser:
 * playwright-core drives Debian's Chromium (never a downloaded browser) against `openhooks serve`
 * with the real sandbox and the built SPA. Edit twice, restore the first version, and the
 * Management API agrees; change the failure policy, and the API agrees; the script editor
 * completes `context.webtask.` from the declarations `openhooks types` writes.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
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
const PASSWORD = 'history-password-0123456789'
const OPERATOR = { email: EMAIL, password: PASSWORD }

const script = (marker: string) =>
  `module.exports = function (client, scope, audience, context, cb) {\n  // ${marker}\n  cb(null, { scope })\n}\n`

describe('hook editor: History panel, failure policy and completions', { skip: SKIP }, () => {
  let rig: DashboardRig | undefined
  let server: RunningServer | undefined
  let browser: Browser | undefined

  before(async () => {
    rig = await startDashboardRig('history', OPERATOR)
    ;({ server, browser } = rig)
  })
  after(() => rig?.close())

  function management(method: string, path: string, body?: unknown): Promise<unknown> {
    assert.ok(rig !== undefined)
    return rig.management(method, path, body)
  }

  async function replaceScript(page: Page, text: string): Promise<void> {
    const editor = page.getByRole('textbox', { name: /^Script of / })
    await editor.click()
    await page.keyboard.press('Control+A')
    await page.keyboard.press('Delete')
    await page.keyboard.insertText(text)
  }

  async function saveWithKeyboard(page: Page): Promise<void> {
    await page.getByLabel('unsaved changes').waitFor()
    await page.keyboard.press('Control+S')
    await page.getByLabel('unsaved changes').waitFor({ state: 'detached' })
  }

  it('edit twice, restore the first version: the API agrees; the failure policy changes too', async () => {
    assert.ok(browser !== undefined && server !== undefined)
    const hook = (await management('POST', '/hooks', {
      name: 'history-hook',
      script: script('version one'),
      triggerId: 'credentials-exchange',
    })) as { id: string }
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_TIMEOUT_MS)
    try {
      await signIn(page, server.url, OPERATOR)
      await page.getByRole('link', { name: 'Edit history-hook' }).click()
      await page.getByRole('heading', { name: /history-hook/, level: 1 }).waitFor()

      // Two edits: versions 2 and 3, listed newest first with time and author.
      await replaceScript(page, script('version two'))
      await saveWithKeyboard(page)
      await replaceScript(page, script('version three'))
      await saveWithKeyboard(page)
      const list = page.getByRole('list', { name: 'Versions of this hook' })
      await list.locator('[data-version="3"]').waitFor()
      assert.deepEqual(
        await list
          .locator('li')
          .evaluateAll((items) =>
            items.map((li) => (li as unknown as { dataset: { version: string } }).dataset.version),
          ),
        ['3', '2', '1'],
      )
      // Saved in the dashboard: the operator's address; created through the API: the client.
      assert.match(await list.locator('[data-version="3"]').innerText(), new RegExp(EMAIL))
      assert.match(await list.locator('[data-version="1"]').innerText(), /client /)

      // Version 1 against the current script, side by side.
      await list.getByRole('button', { name: 'Version 1' }).click()
      const diff = page.getByTestId('diff-view')
      await diff
        .getByRole('textbox', { name: 'Script of version 1' })
        .getByText('version one')
        .waitFor()
      await diff
        .getByRole('textbox', { name: 'Current script' })
        .getByText('version three')
        .waitFor()
      assert.ok((await diff.locator('.cm-changedLine').count()) > 0, 'the changed line is marked')
      await page.screenshot({ path: join(SCREENSHOTS, 'history-diff.png'), fullPage: true })

      // Restore asks first; cancelling changes nothing.
      await page.getByRole('button', { name: 'Restore version 1' }).click()
      const dialog = page.getByRole('dialog')
      await dialog.getByText('become current at once, as a new version').waitFor()
      await dialog.getByRole('button', { name: 'Cancel' }).click()
      await dialog.waitFor({ state: 'detached' })
      let current = (await management('GET', `/hooks/${hook.id}`)) as { script: string }
      assert.equal(current.script, script('version three'))

      await page.getByRole('button', { name: 'Restore version 1' }).click()
      await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click()
      await page.getByRole('status').filter({ hasText: 'Restored version 1' }).waitFor()
      // The editor shows the restored script; the list shows version 4, copied from 1.
      await page
        .getByRole('textbox', { name: /^Script of / })
        .getByText('version one')
        .waitFor()
      await list.locator('[data-version="4"]').getByText('restored from version 1').waitFor()

      current = (await management('GET', `/hooks/${hook.id}`)) as { script: string }
      assert.equal(current.script, script('version one'))
      const versions = (await management('GET', `/hooks/${hook.id}/versions`)) as {
        number: number
        deployed_from: number | null
      }[]
      assert.deepEqual(
        versions.map((v) => [v.number, v.deployed_from]),
        [
          [4, 1],
          [3, null],
          [2, null],
          [1, null],
        ],
      )

      // Completions: `context.webtask.` offers `secrets`; choosing it writes it.
      await replaceScript(
        page,
        'module.exports = function (client, scope, audience, context, cb) {\n',
      )
      await page.keyboard.insertText('const key = context.webtask.')
      await page.keyboard.press('Control+Space')
      const option = page.getByRole('option', { name: /^secrets/ })
      await option.waitFor()
      await page.screenshot({ path: join(SCREENSHOTS, 'editor-completions.png') })
      await option.click()
      await page
        .getByRole('textbox', { name: /^Script of / })
        .getByText('const key = context.webtask.secrets')
        .waitFor()
      page.on('dialog', (d) => void d.accept()) // the reload below leaves unsaved text

      // The failure policy: closed by default, changed to open, and the API agrees.
      const open = page.getByRole('radio', { name: /^Open/ })
      assert.equal(await page.getByRole('radio', { name: /^Closed/ }).isChecked(), true)
      await open.check()
      await page.getByRole('status').filter({ hasText: 'Failure policy: open.' }).waitFor()
      assert.deepEqual(await management('GET', `/hooks/${hook.id}/settings`), {
        failurePolicy: 'open',
      })
      await page.reload()
      await page.getByRole('heading', { name: 'Failure policy' }).waitFor()
      await page.getByRole('radio', { name: /^Open/ }).and(page.locator(':checked')).waitFor()
      await page.getByRole('radio', { name: /^Closed/ }).check()
      await page.getByRole('status').filter({ hasText: 'Failure policy: closed.' }).waitFor()
      assert.deepEqual(await management('GET', `/hooks/${hook.id}/settings`), {
        failurePolicy: 'closed',
      })
    } catch (error) {
      await page
        .screenshot({ path: join(SCREENSHOTS, 'history-failure.png') })
        .catch(() => undefined)
      throw error
    } finally {
      await context.close()
    }
  })
})
