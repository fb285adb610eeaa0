import { useState } from 'react'
import { errorText, signIn, type SessionInfo } from '../api'

export function SignInPage(props: {
  notice: string | undefined
  onSignedIn: (info: SessionInfo) => void
}) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  return (
    <main id="main" className="sign-in">
      <h1>Sign in to openhooks</h1>
      {props.notice !== undefined && error === undefined && (
        <p className="notice">{props.notice}</p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault()
          setBusy(true)
          setError(undefined)
          signIn(email, password)
            .then(props.onSignedIn)
            .catch((e: unknown) => setError(errorText(e)))
            .finally(() => setBusy(false))
        }}
      >
        <label htmlFor="email">Email</label>
        <input
          id="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error !== undefined && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
      <p className="hint">
        The operator account is set by OPENHOOKS_ADMIN_EMAIL and OPENHOOKS_ADMIN_PASSWORD, or
        printed once by the server on its first start.
      </p>
    </main>
  )
}
