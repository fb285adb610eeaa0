/**
 * The hook's failure policy (an openhooks setting, `GET`/`PATCH /api/v2/hooks/{id}/settings`,
 * outside the hook object Auth0's clients read): what a timeout, crash, memory or compile failure
 * of the hook does to the login.
 */
import { useEffect, useState } from 'react'
import { api, errorText } from './api'

export type FailurePolicy = 'closed' | 'open'

interface HookSettings {
  failurePolicy: FailurePolicy
}

const CHOICES: readonly { value: FailurePolicy; label: string; hint: string }[] = [
  {
    value: 'closed',
    label: 'Closed (as on Auth0)',
    hint: 'A timeout, crash or compile error of the hook fails the flow.',
  },
  {
    value: 'open',
    label: 'Open',
    hint: 'A timeout, crash or compile error lets the flow go on as if no hook were enabled. An error the hook returns on purpose still fails it.',
  },
]

export function FailurePolicyPanel(props: { hookId: string }) {
  const path = `/hooks/${encodeURIComponent(props.hookId)}/settings`
  const [policy, setPolicy] = useState<FailurePolicy | undefined>()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>()
  const [status, setStatus] = useState<string | undefined>()

  useEffect(() => {
    api<HookSettings>('GET', path)
      .then((settings) => setPolicy(settings.failurePolicy))
      .catch((e: unknown) => setError(errorText(e)))
  }, [path])

  const change = (next: FailurePolicy) => {
    const before = policy
    // Shown chosen at once; put back if the server refuses.
    setPolicy(next)
    setBusy(true)
    setError(undefined)
    setStatus(undefined)
    api<HookSettings>('PATCH', path, { failurePolicy: next })
      .then((settings) => {
        setPolicy(settings.failurePolicy)
        setStatus(`Failure policy: ${settings.failurePolicy}.`)
      })
      .catch((e: unknown) => {
        setPolicy(before)
        setError(errorText(e))
      })
      .finally(() => setBusy(false))
  }

  return (
    <section className="card" aria-labelledby="policy-title">
      <h2 id="policy-title">Failure policy</h2>
      {policy === undefined && error === undefined && <p className="loading">Loading…</p>}
      {policy !== undefined && (
        <fieldset className="policy-choices" disabled={busy}>
          <legend className="visually-hidden">When the hook itself fails</legend>
          {CHOICES.map((choice) => (
            <label key={choice.value} className="policy-choice">
              <input
                type="radio"
                name="failure-policy"
                value={choice.value}
                checked={policy === choice.value}
                onChange={() => change(choice.value)}
              />
              <span>
                <strong>{choice.label}</strong>
                <span className="hint"> {choice.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
      )}
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="status" role="status" aria-live="polite">
        {status}
      </p>
    </section>
  )
}
