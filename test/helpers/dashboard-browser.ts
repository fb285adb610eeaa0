/**
 * What the browser tests of the dashboard share: Debian's Chromium (never a downloaded browser)
 * or the skip line without it, `openhooks serve` with an operator account, the real sandbox and
 * the built SPA, the admin client's Management API token, and the operator's sign-in.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { ensureDashboardBuilt } from './dashboard-build.js'
import { managementToken, spawnServer, type RunningServer } from './spawn-server.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Debian's Chromium; OPENHOOKS_TEST_CHROMIUM names another build of it. */
export const CHROMIUM_PATH = process.env['OPENHOOKS_TEST_CHROMIUM'] ?? '/usr/lib/chromium/chromium'
export const CHROMIUM_INSTALL = 'sudo apt-get install chromium'
/** Why the browser tests cannot run here, or `undefined` when Chromium is installed. */
export const MISSING_BROWSER = existsSync(CHROMIUM_PATH)
  ? undefined
  : `Chromium is not installed at ${CHROMIUM_PATH} (${CHROMIUM_INSTALL})`
/**
 * The `skip` of a browser suite: without the browser it is skipped with one line naming it,
 * except under CI (`CI` set, as every CI service does), where a missing browser fails the run.
 */
export const BROWSER_SKIP: string | false =
  MISSING_BROWSER !== undefined && (process.env['CI'] ?? '') === ''
    ? `${MISSING_BROWSER}; set CI=true to make this a failure`
    : false
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots')
/** Longest wait for one browser step, in milliseconds. */
export const STEP_TIMEOUT_MS = 15_000

/** A running server with its operator account, and a browser to drive its dashboard. */
export interface DashboardRig {
  readonly server: RunningServer
  readonly browser: Browser
  readonly dataDir: string
  /** The admin client the server wrote at first start. */
  readonly admin: { readonly client_id: string; readonly client_secret: string }
  /** The server's issuer (`https://…/`), as it logs it. */
  readonly issuer: string
  /** A Management API token of the admin client (a client-credentials exchange). */
  adminToken(): Promise<string>
  /** One Management API call with the admin client's token; fails the test unless it is 2xx. */
  management(method: string, path: string, body?: unknown): Promise<unknown>
  /** Closes the browser, stops the server and removes its data. */
  close(): Promise<void>
}

/**
 * Builds the dashboard when it is missing, starts `openhooks serve` on a fresh data dir (named
 * after `name`) with `email`/`password` as the operator account, and launches the browser.
 */
export async function startDashboardRig(
  name: string,
  operator: { readonly email: string; readonly password: string },
): Promise<DashboardRig> {
  if (MISSING_BROWSER !== undefined) throw new Error(MISSING_BROWSER)
  ensureDashboardBuilt()
  const dataDir = mkdtempSync(join(tmpdir(), `openhooks-${name}-`))
  let server: RunningServer | undefined
  let browser: Browser | undefined
  const close = async (): Promise<void> => {
    await browser?.close()
    if (server !== undefined) {
      server.child.kill('SIGTERM')
      await server.exited
    }
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    server = await spawnServer({
      OPENHOOKS_DATA_DIR: dataDir,
      OPENHOOKS_MASTER_KEY: randomBytes(32).toString('base64'),
      OPENHOOKS_ADMIN_EMAIL: operator.email,
      OPENHOOKS_ADMIN_PASSWORD: operator.password,
      OPENHOOKS_SANDBOX_WORKERS: '1',
      HOST: '127.0.0.1',
    })
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--no-sandbox'],
      timeout: STEP_TIMEOUT_MS,
    })
  } catch (error) {
    await close()
    throw error
  }
  mkdirSync(SCREENSHOTS, { recursive: true })
  const running = server
  const admin = JSON.parse(readFileSync(join(dataDir, 'admin-client.json'), 'utf8')) as {
    client_id: string
    client_secret: string
  }
  const issuer = (/"issuer":"([^"]+)"/.exec(running.stdout()) ?? [])[1] ?? ''
  const adminToken = (): Promise<string> =>
    managementToken(running, { id: admin.client_id, secret: admin.client_secret, issuer })
  // Taken now, before any hook exists: the exchange runs the enabled credentials-exchange hook.
  const token = await adminToken()
  const management = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${running.url}/api/v2${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : undefined),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : undefined),
    })
    const json: unknown = await res.json()
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
    return json
  }
  return { server: running, browser, dataDir, admin, issuer, adminToken, management, close }
}

/**
 * Signs the operator in on the dashboard at `url` and waits for the Hooks page. `tap` presses the
 * button as a touch screen does (a phone viewport with `hasTouch`).
 */
export async function signIn(
  page: Page,
  url: string,
  operator: { readonly email: string; readonly password: string },
  press: 'click' | 'tap' = 'click',
): Promise<void> {
  await page.goto(url)
  await page.getByLabel('Email').fill(operator.email)
  await page.getByLabel('Password').fill(operator.password)
  const button = page.getByRole('button', { name: 'Sign in' })
  await (press === 'tap' ? button.tap() : button.click())
  await page.getByRole('heading', { name: 'Hooks', level: 1 }).waitFor()
}
