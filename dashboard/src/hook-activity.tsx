// The hook editor's Activity list: who changed the hook, what and when, read from the Management
// API's audit trail (`sapi` events of the hook, GET /api/v2/logs?q=type:sapi AND hook_id:…).
import { useCallback, useEffect, useState } from 'react'
import { api, errorText, type LogEvent } from './api'

/** Audit events shown, newest first. */
const ACTIVITY_EVENTS = 20

interface AuditRequest {
  method?: string
  path?: string
  body?: unknown
}

function names(body: unknown): string {
  if (Array.isArray(body)) return body.map(String).join(', ')
  if (typeof body === 'object' && body !== null) return Object.keys(body).join(', ')
  return ''
}

/** One line of what a write did to the hook, from its method, path and (redacted) body. */
export function describeChange(request: AuditRequest): string {
  const method = request.method ?? ''
  const rest = (request.path ?? '').replace(/^\/api\/v2\/hooks(\/[^/]+)?/, '')
  const fields = names(request.body)
  if (rest === '' && method === 'post') return 'created the hook'
  if (rest === '' && method === 'delete') return 'deleted the hook'
  if (rest === '' && method === 'patch') return `changed ${fields || 'the hook'}`
  if (rest === '/secrets' && method === 'post') return `added secret ${fields}`
  if (rest === '/secrets' && method === 'patch') return `changed secret ${fields}`
  if (rest === '/secrets' && method === 'delete') return `removed secret ${fields}`
  const deploy = /^\/versions\/(\d+)\/deploy$/.exec(rest)
  if (deploy !== null) return `deployed version ${deploy[1]}`
  if (rest === '/settings') return `changed settings ${fields}`
  return `${method.toUpperCase()} ${rest}`
}

/** Who made a change: the dashboard operator, or the API client. */
function actor(event: LogEvent): string {
  return (
    event.user_name ?? (event.client_id !== undefined ? `client ${event.client_id}` : 'unknown')
  )
}

export function HookActivity(props: { hookId: string; version: unknown }) {
  const [events, setEvents] = useState<LogEvent[] | undefined>()
  const [error, setError] = useState<string | undefined>()
  const load = useCallback(() => {
    const q = encodeURIComponent(`type:sapi AND hook_id:${props.hookId}`)
    api<LogEvent[]>('GET', `/logs?q=${q}&per_page=${ACTIVITY_EVENTS}`).then(
      (list) => {
        setEvents(list.filter((e) => !String(requestOf(e).path).endsWith('/test')))
        setError(undefined)
      },
      (failure: unknown) => setError(errorText(failure)),
    )
  }, [props.hookId])
  // Reloaded when the editor's hook changes (a save); the button reloads by hand.
  useEffect(load, [load, props.version])

  return (
    <section className="card" aria-labelledby="activity-title">
      <h2 id="activity-title">Activity</h2>
      <ul className="activity-list">
        {events?.length === 0 && <li className="empty">No changes recorded.</li>}
        {events?.map((event) => (
          <li key={event.log_id} data-activity={event.log_id}>
            <span className="who">{actor(event)}</span>{' '}
            <span className="what">{describeChange(requestOf(event))}</span>{' '}
            <time dateTime={event.date} className="hint">
              {new Date(event.date).toLocaleString()}
            </time>
          </li>
        ))}
      </ul>
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" onClick={load}>
        Refresh activity
      </button>
    </section>
  )
}

function requestOf(event: LogEvent): AuditRequest {
  const request = event.details.request
  return typeof request === 'object' && request !== null ? (request as AuditRequest) : {}
}
