import { useEffect, useState } from 'react'
import { api, errorText, type LogEvent } from '../api'

const PER_PAGE = 50
/** Event types openhooks writes (src/tenant-log/tenant-log.ts), for the filter. */
const TYPES: Record<string, string> = {
  seccft: 'Success Exchange (Client Credentials for Access Token)',
  feccft: 'Failed Exchange (Client Credentials for Access Token)',
  ss: 'Success Signup',
  fs: 'Failed Signup',
  fpurh: 'Failed Post User Registration Hook',
  scph: 'Success Post Change Password Hook',
  fcph: 'Failed Post Change Password Hook',
  gd_send_sms: 'MFA SMS Sent',
  gd_send_sms_failure: 'Error Sending MFA SMS',
  sapi: 'Success API Operation',
  fapi: 'Failed API Operation',
  s: 'Success Login (dashboard)',
  fp: 'Failed Login, incorrect password (dashboard)',
  fu: 'Failed Login, unknown email (dashboard)',
  limit_mu: 'Blocked IP Address (dashboard sign-ins)',
  slo: 'Success Logout (dashboard)',
}

export function LogsPage() {
  const [type, setType] = useState('')
  const [page, setPage] = useState(0)
  const [list, setList] = useState<{ logs: LogEvent[]; total: number } | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [selected, setSelected] = useState<LogEvent | undefined>()
  const [detailError, setDetailError] = useState<string | undefined>()
  const [refresh, setRefresh] = useState(0)

  useEffect(() => {
    const query = new URLSearchParams({
      page: String(page),
      per_page: String(PER_PAGE),
      include_totals: 'true',
      ...(type !== '' ? { q: `type:${type}` } : undefined),
    })
    api<{ logs: LogEvent[]; total: number }>('GET', `/logs?${query.toString()}`)
      .then((body) => {
        setList(body)
        setError(undefined)
      })
      .catch((e: unknown) => setError(errorText(e)))
  }, [type, page, refresh])

  const open = (id: string) => {
    setDetailError(undefined)
    api<LogEvent>('GET', `/logs/${encodeURIComponent(id)}`)
      .then(setSelected)
      .catch((e: unknown) => setDetailError(errorText(e)))
  }

  const pages = list === undefined ? 1 : Math.max(1, Math.ceil(list.total / PER_PAGE))
  return (
    <>
      <h1>Logs</h1>
      <div className="inline-form">
        <label htmlFor="log-type">Type</label>
        <select
          id="log-type"
          value={type}
          onChange={(e) => {
            setType(e.target.value)
            setPage(0)
          }}
        >
          <option value="">All types</option>
          {Object.entries(TYPES).map(([code, text]) => (
            <option key={code} value={code}>
              {code}: {text}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => setRefresh((n) => n + 1)}>
          Refresh
        </button>
      </div>
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="logs-layout">
        <div className="card">
          {list?.logs.length === 0 && <p className="empty">No events.</p>}
          <ul className="log-list">
            {list?.logs.map((log) => (
              <li key={log.log_id}>
                <button
                  type="button"
                  aria-pressed={selected?.log_id === log.log_id}
                  onClick={() => open(log.log_id)}
                >
                  <time dateTime={log.date}>{new Date(log.date).toLocaleString()}</time>{' '}
                  <code>{log.type}</code> {log.description ?? TYPES[log.type] ?? ''}
                </button>
              </li>
            ))}
          </ul>
          <div className="pager">
            <button type="button" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
              Newer
            </button>
            <span>
              Page {page + 1} of {pages}
            </span>
            <button
              type="button"
              disabled={page + 1 >= pages}
              onClick={() => setPage((p) => p + 1)}
            >
              Older
            </button>
          </div>
        </div>
        <section className="card" aria-labelledby="event-title">
          <h2 id="event-title">Event details</h2>
          {detailError !== undefined && (
            <p className="error" role="alert">
              {detailError}
            </p>
          )}
          {selected === undefined ? (
            <p className="empty">Choose an event.</p>
          ) : (
            <pre className="output">{JSON.stringify(selected, null, 2)}</pre>
          )}
        </section>
      </div>
    </>
  )
}
