// Size: about 700 lines: the editor page and its four panels (secrets, dependencies, the Runner,
// live logs), which take the page's hook and report back to it. The panels are the seam to split
// next, each into its own file beside hook-history.tsx.
import { useCallback, useEffect, useRef, useState } from 'react'
import {
  api,
  ApiFailure,
  errorText,
  streamEvents,
  type Hook,
  type HookExecution,
  type RunResult,
  type SyntaxCheck,
} from '../api'
import { CodeEditor, type CodeEditorHandle } from '../code-editor'
import { Dialog } from '../dialog'
import { linkHandler, setLeaveGuard } from '../router'
import { pointOf } from '../triggers'
import { errorPosition } from '../compile-error'
import { FailurePolicyPanel } from '../failure-policy'
import { HistoryPanel } from '../hook-history'
import { hookCompletions } from '../completions'
import { HookActivity } from '../hook-activity'
import { HookHealthPanel } from '../health-chart'

const LEAVE_QUESTION = 'This hook has unsaved changes. Leave without saving?'
/** The question before saving a script that does not compile (issue 18.7). */
const COMPILE_QUESTION = (error: string) =>
  `This script does not compile: ${error}\n\nA hook whose script does not compile cannot be enabled. Save it anyway?`
const NOT_SAVED_UNCOMPILED = 'the script does not compile.'
/** Live log lines kept on screen. */
const MAX_LIVE_EVENTS = 200

export default function HookEditorPage(props: { hookId: string }) {
  const [hook, setHook] = useState<Hook | undefined>()
  const [loadError, setLoadError] = useState<string | undefined>()
  const [dirty, setDirty] = useState(false)
  const [saveState, setSaveState] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>()
  const [compileError, setCompileError] = useState<string | undefined>()
  /** Changes when a restore replaces the script: the editor is created anew with it. */
  const [editorKey, setEditorKey] = useState(0)
  const editor = useRef<CodeEditorHandle | undefined>(undefined)
  const saved = useRef('')
  const saving = useRef(false)

  useEffect(() => {
    api<Hook>('GET', `/hooks/${encodeURIComponent(props.hookId)}`)
      .then((found) => {
        saved.current = found.script
        setHook(found)
      })
      .catch((e: unknown) => setLoadError(errorText(e)))
  }, [props.hookId])

  // Warn before leaving with unsaved changes: closing the tab, and navigating inside the app.
  useEffect(() => {
    if (!dirty) return
    const beforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault()
      event.returnValue = ''
    }
    window.addEventListener('beforeunload', beforeUnload)
    setLeaveGuard(() => window.confirm(LEAVE_QUESTION))
    return () => {
      window.removeEventListener('beforeunload', beforeUnload)
      setLeaveGuard(undefined)
    }
  }, [dirty])

  const save = useCallback(() => {
    if (hook === undefined || editor.current === undefined || saving.current) return
    const script = editor.current.text()
    saving.current = true
    setSaveState({ kind: 'ok', text: 'Saving…' })
    // issue 18.7: a script that does not compile cannot be enabled; ask before saving one.
    api<SyntaxCheck>('POST', `/hooks/triggers/${hook.triggerId}/syntax-check`, { script })
      .catch(() => undefined) // the server still refuses it for an enabled hook
      .then((check) => {
        if (check === undefined) return true
        if (check.compiles) {
          setCompileError(undefined)
          editor.current?.showErrors([])
          return true
        }
        const text = `${check.message} [hook.js:${check.line}:${check.column}]`
        setCompileError(text)
        editor.current?.showErrors([{ line: check.line, column: check.column, message: text }])
        // An enabled hook cannot take it: the server's refusal says so.
        return hook.enabled || window.confirm(COMPILE_QUESTION(text))
      })
      .then((go) => {
        if (!go) throw new Error(NOT_SAVED_UNCOMPILED)
        return api<Hook>('PATCH', `/hooks/${hook.id}`, { script })
      })
      .then((updated) => {
        saved.current = updated.script
        setHook(updated)
        setDirty(editor.current?.text() !== updated.script)
        setSaveState({ kind: 'ok', text: `Saved at ${new Date().toLocaleTimeString()}.` })
      })
      .catch((e: unknown) => setSaveState({ kind: 'error', text: `Not saved: ${errorText(e)}` }))
      .finally(() => {
        saving.current = false
      })
  }, [hook])

  // Ctrl/Cmd-S anywhere on the page saves (the editor handles it itself when focused).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
        event.preventDefault()
        save()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [save])

  if (loadError !== undefined) {
    return (
      <>
        <p>
          <a href="/hooks" onClick={linkHandler('/hooks')}>
            ← Hooks
          </a>
        </p>
        <p className="error" role="alert">
          Could not open this hook: {loadError}
        </p>
      </>
    )
  }
  if (hook === undefined) return <p className="loading">Loading the hook…</p>
  const point = pointOf(hook.triggerId)

  return (
    <div className="editor-page">
      <p className="crumbs">
        <a href="/hooks" onClick={linkHandler('/hooks')}>
          ← Hooks
        </a>
      </p>
      <div className="editor-head">
        <h1>
          <span
            className={hook.enabled ? 'dot on' : 'dot'}
            role="img"
            aria-label={hook.enabled ? 'enabled' : 'disabled'}
          />{' '}
          {hook.name}
          {dirty && (
            <span className="unsaved" aria-label="unsaved changes" title="Unsaved changes">
              {' '}
              ● unsaved
            </span>
          )}
        </h1>
        <p className="hint">
          {point?.title ?? hook.triggerId} · {hook.enabled ? 'enabled' : 'disabled'}
        </p>
        <button
          type="button"
          className="primary"
          onClick={save}
          aria-keyshortcuts="Control+S Meta+S"
        >
          <svg aria-hidden="true" width="16" height="16" viewBox="0 0 16 16" className="icon">
            <path
              d="M2 1h9l3 3v10a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V1zm2 1v4h7V2H4zm1 7v5h6V9H5z"
              fill="currentColor"
            />
          </svg>{' '}
          Save
        </button>
        <span
          className={saveState?.kind === 'error' ? 'error' : 'status'}
          role="status"
          aria-live="polite"
        >
          {saveState?.text}
        </span>
      </div>
      <div className="editor-grid">
        <section className="card script" aria-labelledby="script-title">
          <h2 id="script-title">Script</h2>
          {compileError !== undefined && (
            <p className="error compile-error" role="alert">
              Compile error: {compileError}
            </p>
          )}
          <CodeEditor
            key={editorKey}
            initial={hook.script}
            language="javascript"
            label={`Script of ${hook.name}`}
            minHeight="24rem"
            complete={(before, doc) => hookCompletions(hook.triggerId, before, doc)}
            handle={(h) => (editor.current = h)}
            onSave={save}
            onChange={(text) => {
              setDirty(text !== saved.current)
              setSaveState(undefined)
            }}
          />
          <p className="hint">Ctrl-S or ⌘-S saves.</p>
        </section>
        <div className="side">
          <Runner
            hook={hook}
            currentScript={() => editor.current?.text() ?? hook.script}
            onCompileError={(text) => {
              setCompileError(text)
              if (text !== undefined)
                editor.current?.showErrors([{ ...errorPosition(text), message: text }])
              else editor.current?.showErrors([])
            }}
          />
          <SecretsPanel hook={hook} />
          <DependenciesPanel hook={hook} onChange={setHook} />
          <HookHealthPanel hookId={hook.id} version={hook} />
          <FailurePolicyPanel hookId={hook.id} />
          <HookActivity hookId={hook.id} version={hook} />
        </div>
      </div>
      <HistoryPanel
        hook={hook}
        dirty={dirty}
        onRestored={(restored) => {
          saved.current = restored.script
          setHook(restored)
          setDirty(false)
          setCompileError(undefined)
          setEditorKey((k) => k + 1)
        }}
      />
      <LiveLogs hook={hook} />
    </div>
  )
}

// ---- Secrets ----

function SecretsPanel(props: { hook: Hook }) {
  const path = `/hooks/${props.hook.id}/secrets`
  const [names, setNames] = useState<string[] | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [newName, setNewName] = useState('')
  const [newValue, setNewValue] = useState('')
  const [changing, setChanging] = useState<string | undefined>()
  const [changeValue, setChangeValue] = useState('')
  const [deleting, setDeleting] = useState<string | undefined>()
  const [status, setStatus] = useState<string | undefined>()

  const reload = useCallback(() => {
    api<Record<string, string>>('GET', path)
      .then((secrets) => setNames(Object.keys(secrets)))
      .catch((e: unknown) => setError(errorText(e)))
  }, [path])
  useEffect(reload, [reload])

  return (
    <section className="card" aria-labelledby="secrets-title">
      <h2 id="secrets-title">Secrets</h2>
      <p className="hint">
        Values are write-only: after saving, nobody can read them here or through the API.
      </p>
      <ul className="secret-list">
        {names?.length === 0 && <li className="empty">No secrets.</li>}
        {names?.map((name) => (
          <li key={name} data-secret={name}>
            <code>{name}</code>{' '}
            <span className="masked" aria-label="value hidden">
              ••••••••
            </span>
            {changing === name ? (
              <form
                className="inline-form"
                onSubmit={(event) => {
                  event.preventDefault()
                  setError(undefined)
                  api('PATCH', path, { [name]: changeValue })
                    .then(() => {
                      setChanging(undefined)
                      setChangeValue('')
                      setStatus(`Changed the value of ${name}.`)
                    })
                    .catch((e: unknown) => setError(errorText(e)))
                }}
              >
                <label htmlFor={`change-${name}`} className="visually-hidden">
                  New value of {name}
                </label>
                <input
                  id={`change-${name}`}
                  type="password"
                  autoComplete="off"
                  required
                  value={changeValue}
                  onChange={(e) => setChangeValue(e.target.value)}
                />
                <button type="submit">Save value</button>
                <button type="button" onClick={() => setChanging(undefined)}>
                  Cancel
                </button>
              </form>
            ) : (
              <span className="row-actions">
                <button
                  type="button"
                  onClick={() => setChanging(name)}
                  aria-label={`Change the value of ${name}`}
                >
                  Change
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() => setDeleting(name)}
                  aria-label={`Delete secret ${name}`}
                >
                  Delete
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
      <form
        className="stack-form"
        onSubmit={(event) => {
          event.preventDefault()
          setError(undefined)
          api('POST', path, { [newName]: newValue })
            .then(() => {
              setStatus(`Added ${newName}.`)
              setNewName('')
              setNewValue('')
              reload()
            })
            .catch((e: unknown) => setError(errorText(e)))
        }}
      >
        <label htmlFor="secret-name">Secret name</label>
        <input
          id="secret-name"
          required
          value={newName}
          onChange={(e) => setNewName(e.target.value)}
        />
        <label htmlFor="secret-value">Value</label>
        <input
          id="secret-value"
          type="password"
          autoComplete="off"
          required
          value={newValue}
          onChange={(e) => setNewValue(e.target.value)}
        />
        <button type="submit">Add secret</button>
      </form>
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="status" role="status" aria-live="polite">
        {status}
      </p>
      {deleting !== undefined && (
        <Dialog
          title={`Delete secret ${deleting}?`}
          confirmLabel="Delete"
          danger
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => {
            api('DELETE', path, [deleting])
              .then(() => {
                setStatus(`Deleted ${deleting}.`)
                setDeleting(undefined)
                reload()
              })
              .catch((e: unknown) => {
                setError(errorText(e))
                setDeleting(undefined)
              })
          }}
        >
          <p>The hook will no longer see {deleting} in context.webtask.secrets.</p>
        </Dialog>
      )}
    </section>
  )
}

// ---- Dependencies ----

function DependenciesPanel(props: { hook: Hook; onChange: (hook: Hook) => void }) {
  const [spec, setSpec] = useState('')
  const [error, setError] = useState<string | undefined>()
  const deps = Object.entries(props.hook.dependencies)
  const update = (dependencies: Record<string, string>, done?: () => void) => {
    setError(undefined)
    api<Hook>('PATCH', `/hooks/${props.hook.id}`, { dependencies })
      .then((hook) => {
        props.onChange(hook)
        done?.()
      })
      .catch((e: unknown) => setError(errorText(e)))
  }
  return (
    <section className="card" aria-labelledby="deps-title">
      <h2 id="deps-title">Dependencies</h2>
      <ul className="dep-list">
        {deps.length === 0 && <li className="empty">No npm modules.</li>}
        {deps.map(([name, version]) => (
          <li key={name}>
            <code>
              {name}@{version}
            </code>
            <button
              type="button"
              className="danger"
              aria-label={`Remove ${name}`}
              onClick={() => {
                const next = { ...props.hook.dependencies }
                delete next[name]
                update(next)
              }}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault()
          const at = spec.lastIndexOf('@')
          if (at <= 0 || at === spec.length - 1) {
            setError('Write the module as name@version, e.g. lodash@4.17.21.')
            return
          }
          update({ ...props.hook.dependencies, [spec.slice(0, at)]: spec.slice(at + 1) }, () =>
            setSpec(''),
          )
        }}
      >
        <label htmlFor="dep-spec">Module (name@version)</label>
        <input
          id="dep-spec"
          required
          value={spec}
          placeholder="lodash@4.17.21"
          aria-invalid={error !== undefined}
          aria-describedby={error !== undefined ? 'dep-error' : undefined}
          onChange={(e) => setSpec(e.target.value)}
        />
        <button type="submit">Add</button>
      </form>
      {error !== undefined && (
        <p id="dep-error" className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

// ---- Runner ----

interface RunRecord {
  at: string
  result: RunResult | undefined
  error: string | undefined
}

/** Runs of this browser session, per hook: they survive moving between pages. */
const runHistory = new Map<string, RunRecord[]>()

function Runner(props: {
  hook: Hook
  currentScript: () => string
  onCompileError: (text: string | undefined) => void
}) {
  const { hook } = props
  const [payload, setPayload] = useState<string | undefined>()
  const [payloadError, setPayloadError] = useState<string | undefined>()
  const [runs, setRuns] = useState<RunRecord[]>(() => runHistory.get(hook.id) ?? [])
  const [shown, setShown] = useState(0)
  const [busy, setBusy] = useState(false)
  const payloadEditor = useRef<CodeEditorHandle | undefined>(undefined)

  useEffect(() => {
    api<unknown>('GET', `/hooks/triggers/${hook.triggerId}/sample-payload`)
      .then((sample) => setPayload(JSON.stringify(sample, null, 2)))
      .catch((e: unknown) => {
        setPayloadError(`Could not load the default payload: ${errorText(e)}`)
        setPayload('{}')
      })
  }, [hook.triggerId])

  const record = (run: RunRecord) => {
    const next = [run, ...(runHistory.get(hook.id) ?? [])]
    runHistory.set(hook.id, next)
    setRuns(next)
    setShown(0)
  }

  const run = () => {
    let parsed: unknown
    try {
      parsed = JSON.parse(payloadEditor.current?.text() ?? payload ?? '{}')
    } catch (e) {
      setPayloadError(`The payload is not valid JSON: ${errorText(e)}`)
      return
    }
    setPayloadError(undefined)
    setBusy(true)
    api<RunResult>('POST', `/hooks/${hook.id}/test`, {
      payload: parsed,
      script: props.currentScript(),
    })
      .then((result) => {
        const data = result.data as { message?: string; error_description?: string } | null
        const compile =
          result.status === 'error' &&
          typeof data?.message === 'string' &&
          /compile/i.test(data.message)
            ? `${data.message}${data.error_description !== undefined ? `: ${data.error_description}` : ''}`
            : undefined
        props.onCompileError(compile)
        record({ at: new Date().toLocaleTimeString(), result, error: undefined })
      })
      .catch((e: unknown) =>
        record({
          at: new Date().toLocaleTimeString(),
          result: undefined,
          error: e instanceof ApiFailure || e instanceof Error ? e.message : String(e),
        }),
      )
      .finally(() => setBusy(false))
  }

  const current = runs[shown]
  return (
    <section className="card runner" aria-labelledby="runner-title">
      <h2 id="runner-title">Runner</h2>
      <p className="hint">
        Run uses the script as it is in the editor now, unsaved changes included, with this hook's
        secrets and dependencies. Nothing is saved.
      </p>
      {payload === undefined ? (
        <p className="loading">Loading the default payload…</p>
      ) : (
        <CodeEditor
          initial={payload}
          language="json"
          label="Runner payload (JSON)"
          minHeight="10rem"
          handle={(h) => (payloadEditor.current = h)}
        />
      )}
      {payloadError !== undefined && (
        <p className="error" role="alert">
          {payloadError}
        </p>
      )}
      <button
        type="button"
        className="primary"
        onClick={run}
        disabled={busy || payload === undefined}
      >
        ▶ Run
      </button>
      {current !== undefined && (
        <div className="run-result" aria-live="polite" data-testid="run-result">
          {current.error !== undefined ? (
            <p className="error" role="alert">
              {current.error}
            </p>
          ) : (
            current.result !== undefined && (
              <>
                <p>
                  <strong className={current.result.status === 'success' ? 'ok' : 'error'}>
                    {current.result.status === 'success' ? 'Succeeded' : 'Failed'}
                  </strong>{' '}
                  in <span className="duration">{current.result.durationMs.toFixed(1)} ms</span>{' '}
                  (run at {current.at})
                </p>
                <h3>Result</h3>
                <pre className="output">{JSON.stringify(current.result.data, null, 2)}</pre>
                <h3>Logs</h3>
                {current.result.logs.length === 0 ? (
                  <p className="empty">No console output.</p>
                ) : (
                  <pre className="output logs">
                    {current.result.logs.map((l) => `[${l.level}] ${l.message}`).join('\n')}
                  </pre>
                )}
              </>
            )
          )}
        </div>
      )}
      {runs.length > 1 && (
        <div className="history">
          <h3>This session's runs</h3>
          <ol>
            {runs.map((r, i) => (
              <li key={runs.length - i}>
                <button type="button" aria-pressed={i === shown} onClick={() => setShown(i)}>
                  {r.at} · {r.error !== undefined ? 'request failed' : r.result?.status} ·{' '}
                  {r.result?.durationMs.toFixed(1) ?? '–'} ms
                </button>
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  )
}

// ---- Live logs ----

function LiveLogs(props: { hook: Hook }) {
  const [events, setEvents] = useState<HookExecution[]>([])
  const [paused, setPaused] = useState(false)
  const [state, setState] = useState<string>('Connecting…')
  const lastId = useRef<string | undefined>(undefined)

  useEffect(() => {
    if (paused) {
      setState('Paused: new events are fetched when you resume.')
      return
    }
    const controller = new AbortController()
    setState('Live: waiting for this hook to run…')
    streamEvents(`/hooks/${props.hook.id}/logs/stream`, {
      signal: controller.signal,
      ...(lastId.current !== undefined ? { lastEventId: lastId.current } : undefined),
      onEvent: (id, data, event) => {
        if (id !== '') lastId.current = id
        // The stream also carries the hook's tenant log events (`event: log`), shown on the Logs
        // page; this list shows the executions.
        if (event !== 'execution') return
        try {
          const execution = JSON.parse(data) as HookExecution
          setEvents((list) => [execution, ...list].slice(0, MAX_LIVE_EVENTS))
        } catch {
          // A malformed event is skipped; the stream goes on.
        }
      },
    })
      .then(() => {
        if (!controller.signal.aborted) setState('The stream ended. Pause and resume to reconnect.')
      })
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setState(`The stream stopped: ${errorText(e)}`)
      })
    return () => controller.abort()
  }, [paused, props.hook.id])

  return (
    <section className="card live-logs" aria-labelledby="live-title">
      <div className="point-head">
        <h2 id="live-title">Live logs</h2>
        <button type="button" aria-pressed={paused} onClick={() => setPaused((p) => !p)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" onClick={() => setEvents([])}>
          Clear
        </button>
      </div>
      <p className="hint" role="status">
        {state}
      </p>
      <p className="hint">
        Executions of this hook by real requests (the Runner's runs are shown in the Runner).
      </p>
      <ol className="live-list" aria-label="Executions of this hook">
        {events.map((e) => (
          <li key={e.execution_id} className={e.outcome}>
            <time dateTime={e.date}>{new Date(e.date).toLocaleTimeString()}</time>{' '}
            <strong>
              {e.outcome === 'succeeded' ? 'succeeded' : `failed (${e.failure ?? ''})`}
            </strong>
            {e.failed_open === true && ' · failed open'} · {e.duration_ms.toFixed(1)} ms
            {e.error !== undefined && <p className="error">{e.error}</p>}
            <pre className="output">
              {e.logs.length === 0
                ? '(no console output)'
                : e.logs.map((l) => `[${l.level}] ${l.message}`).join('\n')}
            </pre>
          </li>
        ))}
      </ol>
    </section>
  )
}
