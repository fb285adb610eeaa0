/**
 * The webhook variant of the token scenario, the way Supabase auth hooks and Ory Kratos web hooks
 * call customer code: each call's arguments go over HTTP (keep-alive) to a server on loopback and
 * its JSON answer comes back as the outcome. It implements the sandbox's `HookRunner`, so the flow
 * code is the same as with the isolate runner. Bench-only: not a feature of openhooks.
 */
import { Agent, request } from 'node:http'
import type { HookRunner, RunOutcome, RunRequest } from '../../src/sandbox/runner.js'
import { DEFAULT_HOOK_TIMEOUT_MS } from '../../src/sandbox/runner.js'

/** Sockets kept open to the webhook server, as an HTTP client library's pool would. */
export const WEBHOOK_MAX_SOCKETS = 64
/** Largest webhook answer read, in bytes. */
export const MAX_WEBHOOK_ANSWER_BYTES = 64 * 1024

export function createWebhookRunner(url: string): HookRunner {
  const agent = new Agent({ keepAlive: true, maxSockets: WEBHOOK_MAX_SOCKETS })
  const target = new URL(url)
  if (target.hostname !== '127.0.0.1') throw new Error('the bench webhook must be on loopback')
  return {
    run: (call: RunRequest) => post(agent, target, call),
    retire: () => undefined,
    close: () => {
      agent.destroy()
      return Promise.resolve()
    },
    stats: () => Promise.resolve({ workers: [], workerRestarts: 0, pendingCalls: 0 }),
  }
}

function post(agent: Agent, target: URL, call: RunRequest): Promise<RunOutcome> {
  const started = performance.now()
  const timeoutMs = call.limits?.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS
  const body = JSON.stringify({ hookId: call.hookId, args: call.args })
  const crash = (reason: string): RunOutcome => ({
    kind: 'crash',
    reason,
    logs: [],
    durationMs: performance.now() - started,
    cpuMs: 0,
  })
  return new Promise((resolve) => {
    const req = request(
      target,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_WEBHOOK_ANSWER_BYTES) req.destroy(new Error('webhook answer too large'))
          else chunks.push(chunk)
        })
        res.on('end', () => {
          if (res.statusCode !== 200) {
            resolve(crash(`webhook answered ${String(res.statusCode)}`))
            return
          }
          try {
            const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
            resolve({
              kind: 'ok',
              value,
              logs: [],
              durationMs: performance.now() - started,
              cpuMs: 0,
            })
          } catch {
            resolve(crash('webhook answer is not JSON'))
          }
        })
        res.on('error', (error) => resolve(crash(error.message)))
      },
    )
    req.on('timeout', () => req.destroy(new Error(`webhook timed out after ${timeoutMs} ms`)))
    req.on('error', (error) => resolve(crash(error.message)))
    req.end(body)
  })
}
