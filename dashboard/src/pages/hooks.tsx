import { useCallback, useEffect, useState } from 'react'
import { api, errorText, type Hook, type TriggerId } from '../api'
import { Dialog } from '../dialog'
import { HealthSummary, useHookHealth, type HookHealth } from '../hook-health'
import { linkHandler } from '../router'
import { POINTS, type ExtensibilityPoint } from '../triggers'

type Pending =
  | {
      kind: 'enable'
      point: ExtensibilityPoint
      target: Hook | undefined
      current: Hook | undefined
    }
  | { kind: 'rename'; hook: Hook }
  | { kind: 'delete'; hook: Hook }

export function HooksPage() {
  const [hooks, setHooks] = useState<Hook[] | undefined>()
  const [loadError, setLoadError] = useState<string | undefined>()
  const [pending, setPending] = useState<Pending | undefined>()
  const [status, setStatus] = useState<string | undefined>()
  const health = useHookHealth()

  const reload = useCallback(() => {
    api<Hook[]>('GET', '/hooks')
      .then((list) => {
        setHooks(list)
        setLoadError(undefined)
      })
      .catch((e: unknown) => setLoadError(errorText(e)))
  }, [])
  useEffect(reload, [reload])

  return (
    <>
      <h1>Hooks</h1>
      <p className="lead">
        Each extensibility point runs at most one hook: the enabled one, marked with a green dot.
      </p>
      <p className="status" role="status" aria-live="polite">
        {status}
      </p>
      {loadError !== undefined && (
        <p className="error" role="alert">
          Could not load the hooks: {loadError}{' '}
          <button type="button" onClick={reload}>
            Retry
          </button>
        </p>
      )}
      <CreateHook
        onCreated={(hook) => {
          setStatus(`Created ${hook.name}${hook.enabled ? ' (enabled)' : ' (disabled)'}.`)
          reload()
        }}
      />
      {health.error !== undefined && (
        <p className="error" role="alert">
          Could not load hook health: {health.error}{' '}
          <button type="button" onClick={health.reload}>
            Retry
          </button>
        </p>
      )}
      {hooks !== undefined &&
        POINTS.map((point) => (
          <PointSection
            key={point.id}
            point={point}
            hooks={hooks.filter((h) => h.triggerId === point.id)}
            health={health.health}
            onChoose={(target) =>
              setPending({
                kind: 'enable',
                point,
                target,
                current: hooks.find((h) => h.triggerId === point.id && h.enabled),
              })
            }
            onRename={(hook) => setPending({ kind: 'rename', hook })}
            onDelete={(hook) => setPending({ kind: 'delete', hook })}
          />
        ))}
      {pending?.kind === 'enable' && (
        <EnableDialog
          pending={pending}
          onDone={(message) => {
            setPending(undefined)
            if (message !== undefined) setStatus(message)
            reload()
          }}
        />
      )}
      {pending?.kind === 'rename' && (
        <RenameDialog
          hook={pending.hook}
          onDone={(message) => {
            setPending(undefined)
            if (message !== undefined) setStatus(message)
            reload()
          }}
        />
      )}
      {pending?.kind === 'delete' && (
        <DeleteDialog
          hook={pending.hook}
          onDone={(message) => {
            setPending(undefined)
            if (message !== undefined) setStatus(message)
            reload()
          }}
        />
      )}
    </>
  )
}

function CreateHook(props: { onCreated: (hook: Hook) => void }) {
  const [name, setName] = useState('')
  const [triggerId, setTriggerId] = useState<TriggerId>('credentials-exchange')
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  return (
    <section className="card create" aria-labelledby="create-title">
      <h2 id="create-title">Create a Hook</h2>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault()
          const point = POINTS.find((p) => p.id === triggerId)
          setBusy(true)
          setError(undefined)
          // No `enabled`: the server enables the first hook of a point and no later one.
          api<Hook>('POST', '/hooks', { name, triggerId, script: point?.starter ?? '' })
            .then((hook) => {
              setName('')
              props.onCreated(hook)
            })
            .catch((e: unknown) => setError(errorText(e)))
            .finally(() => setBusy(false))
        }}
      >
        <div className="field">
          <label htmlFor="new-hook-name">Name</label>
          <input
            id="new-hook-name"
            required
            value={name}
            placeholder="my-hook"
            aria-describedby={error !== undefined ? 'create-error' : 'create-help'}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="new-hook-point">Extensibility point</label>
          <select
            id="new-hook-point"
            value={triggerId}
            onChange={(e) => setTriggerId(e.target.value as TriggerId)}
          >
            {POINTS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.title}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary" disabled={busy}>
          Create
        </button>
      </form>
      <p id="create-help" className="hint">
        Letters, digits, spaces and hyphens; stored in kebab case. The first hook of a point is
        enabled.
      </p>
      {error !== undefined && (
        <p id="create-error" className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

function PointSection(props: {
  point: ExtensibilityPoint
  hooks: Hook[]
  health: Map<string, HookHealth> | undefined
  onChoose: (target: Hook | undefined) => void
  onRename: (hook: Hook) => void
  onDelete: (hook: Hook) => void
}) {
  const { point, hooks } = props
  const enabled = hooks.find((h) => h.enabled)
  const selectId = `enabled-${point.id}`
  return (
    <section className="card point" aria-labelledby={`title-${point.id}`} data-point={point.id}>
      <div className="point-head">
        <h2 id={`title-${point.id}`}>{point.title}</h2>
        <span className={point.blocking ? 'badge blocking' : 'badge'}>
          {point.blocking ? 'blocking' : 'not blocking'}
        </span>
      </div>
      <p className="summary">{point.summary}</p>
      {hooks.length === 0 ? (
        <p className="empty">No hooks yet.</p>
      ) : (
        <>
          <div className="field enable-control">
            <label htmlFor={selectId}>Enabled hook</label>
            <select
              id={selectId}
              value={enabled?.id ?? ''}
              onChange={(e) => props.onChoose(hooks.find((h) => h.id === e.target.value))}
            >
              <option value="">None</option>
              {hooks.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name}
                </option>
              ))}
            </select>
          </div>
          <ul className="hook-list">
            {hooks.map((h) => (
              <li key={h.id} data-hook={h.name}>
                <span
                  className={h.enabled ? 'dot on' : 'dot'}
                  role="img"
                  aria-label={h.enabled ? 'enabled' : 'disabled'}
                  title={h.enabled ? 'enabled' : 'disabled'}
                />
                <a
                  href={`/hooks/${h.id}`}
                  onClick={linkHandler(`/hooks/${h.id}`)}
                  className="hook-name"
                >
                  {h.name}
                </a>
                {props.health !== undefined && (
                  <HealthSummary hookName={h.name} health={props.health.get(h.id)} />
                )}
                <span className="row-actions">
                  <a
                    className="icon-button"
                    href={`/hooks/${h.id}`}
                    onClick={linkHandler(`/hooks/${h.id}`)}
                    aria-label={`Edit ${h.name}`}
                    title="Edit"
                  >
                    ✎
                  </a>
                  <button
                    type="button"
                    onClick={() => props.onRename(h)}
                    aria-label={`Rename ${h.name}`}
                  >
                    Rename
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => props.onDelete(h)}
                    aria-label={`Delete ${h.name}`}
                  >
                    Delete
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}

function EnableDialog(props: {
  pending: Extract<Pending, { kind: 'enable' }>
  onDone: (message?: string) => void
}) {
  const { point, target, current } = props.pending
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const title = target === undefined ? `Disable ${point.title}?` : `Enable ${target.name}?`
  return (
    <Dialog
      title={title}
      confirmLabel={target === undefined ? 'Disable' : 'Enable'}
      busy={busy}
      error={error}
      onCancel={() => props.onDone()}
      onConfirm={() => {
        setBusy(true)
        const request =
          target !== undefined
            ? api('PATCH', `/hooks/${target.id}`, { enabled: true })
            : current !== undefined
              ? api('PATCH', `/hooks/${current.id}`, { enabled: false })
              : Promise.resolve()
        request
          .then(() =>
            props.onDone(
              target !== undefined
                ? `${target.name} is enabled.`
                : `No ${point.title} hook is enabled.`,
            ),
          )
          .catch((e: unknown) => {
            setError(errorText(e))
            setBusy(false)
          })
      }}
    >
      <p>
        {target === undefined
          ? current !== undefined
            ? `${current.name} will be disabled, and no hook will run for ${point.title}.`
            : `No hook will run for ${point.title}.`
          : current !== undefined && current.id !== target.id
            ? `${target.name} will run for ${point.title}, and ${current.name} will be disabled.`
            : `${target.name} will run for ${point.title}.`}
      </p>
    </Dialog>
  )
}

function RenameDialog(props: { hook: Hook; onDone: (message?: string) => void }) {
  const [name, setName] = useState(props.hook.name)
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  return (
    <Dialog
      title={`Rename ${props.hook.name}`}
      confirmLabel="Rename"
      busy={busy}
      error={error}
      onCancel={() => props.onDone()}
      onConfirm={() => {
        setBusy(true)
        api<Hook>('PATCH', `/hooks/${props.hook.id}`, { name })
          .then((hook) => props.onDone(`Renamed ${props.hook.name} to ${hook.name}.`))
          .catch((e: unknown) => {
            setError(errorText(e))
            setBusy(false)
          })
      }}
    >
      <p>Current name: {props.hook.name}</p>
      <label htmlFor="rename-input">New name</label>
      <input
        id="rename-input"
        required
        autoFocus
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
    </Dialog>
  )
}

function DeleteDialog(props: { hook: Hook; onDone: (message?: string) => void }) {
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  return (
    <Dialog
      title={`Delete ${props.hook.name}?`}
      confirmLabel="Delete"
      danger
      busy={busy}
      error={error}
      onCancel={() => props.onDone()}
      onConfirm={() => {
        setBusy(true)
        api('DELETE', `/hooks/${props.hook.id}`)
          .then(() => props.onDone(`Deleted ${props.hook.name}.`))
          .catch((e: unknown) => {
            setError(errorText(e))
            setBusy(false)
          })
      }}
    >
      <p>
        {props.hook.name} and its secrets will be deleted. This cannot be undone.
        {props.hook.enabled ? ' It is enabled: its extensibility point will run no hook.' : ''}
      </p>
    </Dialog>
  )
}
