/**
 * The History panel of the hook editor: the hook's versions (`GET /api/v2/hooks/{id}/versions`),
 * a side-by-side diff of a chosen version against the current script, and "Restore", which deploys
 * that version (a new version; history is never rewritten) after a confirmation.
 */
import { Suspense, lazy, useEffect, useState } from 'react'
import { api, errorText, type Hook } from './api'
import { Dialog } from './dialog'

// CodeMirror's merge view loads when a version is first opened.
const DiffView = lazy(() => import('./diff-view'))

/** Versions listed: the newest ones, one page. */
const VERSIONS_SHOWN = 50

interface VersionSummary {
  number: number
  created_at: string
  created_by: { type: 'client' | 'operator' | 'system'; id: string }
  deployed_from: number | null
  hash: string
}

interface Version extends VersionSummary {
  script: string
  dependencies: Record<string, string>
}

/** Who made a version: `client <id>`, the operator's e-mail address, or `migration`. */
function who(version: VersionSummary): string {
  return version.created_by.type === 'client'
    ? `client ${version.created_by.id}`
    : version.created_by.id
}

export function HistoryPanel(props: {
  hook: Hook
  /** Called with the hook as the deploy answered it. */
  onRestored: (hook: Hook) => void
  /** Whether the editor holds unsaved changes (a restore discards them). */
  dirty: boolean
}) {
  const { hook } = props
  const base = `/hooks/${encodeURIComponent(hook.id)}/versions`
  const [versions, setVersions] = useState<VersionSummary[] | undefined>()
  const [chosen, setChosen] = useState<Version | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [status, setStatus] = useState<string | undefined>()
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [restoreError, setRestoreError] = useState<string | undefined>()

  // Reloaded whenever the hook changes (a save, a dependency change, a restore).
  useEffect(() => {
    api<VersionSummary[]>('GET', `${base}?per_page=${VERSIONS_SHOWN}&page=0`)
      .then(setVersions)
      .catch((e: unknown) => setError(errorText(e)))
  }, [base, hook])

  const open = (number: number) => {
    setError(undefined)
    api<Version>('GET', `${base}/${number}`)
      .then(setChosen)
      .catch((e: unknown) => setError(errorText(e)))
  }

  const restore = () => {
    if (chosen === undefined) return
    setBusy(true)
    setRestoreError(undefined)
    api<Hook>('POST', `${base}/${chosen.number}/deploy`)
      .then((restored) => {
        setStatus(`Restored version ${chosen.number} as a new version.`)
        setConfirming(false)
        setChosen(undefined)
        props.onRestored(restored)
      })
      .catch((e: unknown) => setRestoreError(errorText(e)))
      .finally(() => setBusy(false))
  }

  const newest = versions?.[0]?.number
  return (
    <section className="card history-panel" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <p className="hint">
        Every save of the script or the dependencies is a version. Choose one to compare it with the
        current script.
      </p>
      {versions === undefined && error === undefined && (
        <p className="loading">Loading the versions…</p>
      )}
      <ol className="version-list" aria-label="Versions of this hook">
        {versions?.length === 0 && <li className="empty">No versions yet.</li>}
        {versions?.map((v) => (
          <li key={v.number} data-version={v.number}>
            <button
              type="button"
              aria-pressed={chosen?.number === v.number}
              onClick={() => open(v.number)}
            >
              Version {v.number}
            </button>{' '}
            <time dateTime={v.created_at}>{new Date(v.created_at).toLocaleString()}</time>
            {' · '}
            <span className="who">{who(v)}</span>
            {v.deployed_from !== null && (
              <span className="hint"> · restored from version {v.deployed_from}</span>
            )}
            {v.number === newest && <span className="hint"> · current</span>}
          </li>
        ))}
      </ol>
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="status" role="status" aria-live="polite">
        {status}
      </p>
      {chosen !== undefined && (
        <div className="version-diff">
          <div className="point-head">
            <h3>Version {chosen.number} (left) against the current script (right)</h3>
            <button
              type="button"
              className="primary"
              disabled={chosen.number === newest}
              onClick={() => setConfirming(true)}
            >
              Restore version {chosen.number}
            </button>
            <button type="button" onClick={() => setChosen(undefined)}>
              Close
            </button>
          </div>
          <Suspense fallback={<p className="loading">Loading the diff…</p>}>
            <DiffView
              before={chosen.script}
              beforeLabel={`Script of version ${chosen.number}`}
              after={hook.script}
              afterLabel="Current script"
            />
          </Suspense>
        </div>
      )}
      {confirming && chosen !== undefined && (
        <Dialog
          title={`Restore version ${chosen.number}?`}
          confirmLabel="Restore"
          busy={busy}
          error={restoreError}
          onCancel={() => {
            setConfirming(false)
            setRestoreError(undefined)
          }}
          onConfirm={restore}
        >
          <p>
            Its script and dependencies become current at once, as a new version; the hook runs them
            from the next request on.
          </p>
          {props.dirty && <p className="error">The editor&apos;s unsaved changes are discarded.</p>}
        </Dialog>
      )}
    </section>
  )
}
