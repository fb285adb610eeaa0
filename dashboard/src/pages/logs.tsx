import { useEffect, useState } from 'react'
import { api, errorText, type LogEvent, type LogEventType } from '../api'

const PER_PAGE = 50

export function LogsPage() {
  const [type, setType] = useState('')
  const [page, setPage] = useState(0)
  const [list, setList] = useState<{ logs: LogEvent[]; total: number } | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [selected, setSelected] = useState<LogEvent | undefined>()
  const [detailError, setDetailError] = useState<string | undefined>()
  const [refresh, setRefresh] = useState(0)
  // The filter lists the server's own catalogue of event types, so it never lags behind the log.
  const [types, setTypes] = useState<LogEventType[]>([])

  useEffect(() => {
    api<LogEventType[]>('GET', '/logs/event-types')
      .then(setTypes)
      .catch((e: unknown) => setError(errorText(e)))
  }, [])
  const descriptions = new Map(types.map((t) => [t.type, t.description]))

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
          {types.map(({ type: code, description }) => (
            <option key={code} value={code}>
              {code}: {description}
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
                  <code>{log.type}</code> {log.description ?? descriptions.get(log.type) ?? ''}
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
