import { StrictMode, Suspense, lazy, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { currentSession, errorText, onSessionEnded, signOut, type SessionInfo } from './api'
import { HooksPage } from './pages/hooks'
import { LogsPage } from './pages/logs'
import { SignInPage } from './pages/sign-in'
import { linkHandler, navigate, usePath } from './router'
import './styles.css'

// CodeMirror is only needed on the editor page: it loads when that page is first opened.
const HookEditorPage = lazy(() => import('./pages/hook-editor'))

function App() {
  const path = usePath()
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined)
  const [notice, setNotice] = useState<string | undefined>()

  useEffect(() => {
    currentSession()
      .then((found) => setSession(found ?? null))
      .catch((error: unknown) => {
        setNotice(errorText(error))
        setSession(null)
      })
    return onSessionEnded(() => {
      setSession(null)
      setNotice('Your session has ended. Sign in again.')
    })
  }, [])

  useEffect(() => {
    if (session === null && path !== '/sign-in') navigate('/sign-in', { replace: true })
    if (session && (path === '/sign-in' || path === '/')) navigate('/hooks', { replace: true })
  }, [session, path])

  if (session === undefined) return <p className="loading">Loading…</p>
  if (session === null) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(info) => {
          setNotice(undefined)
          setSession(info)
        }}
      />
    )
  }

  const hookMatch = /^\/hooks\/([^/]+)$/.exec(path)
  let page
  if (hookMatch?.[1] !== undefined) {
    page = (
      <Suspense fallback={<p className="loading">Loading the editor…</p>}>
        <HookEditorPage key={hookMatch[1]} hookId={decodeURIComponent(hookMatch[1])} />
      </Suspense>
    )
  } else if (path === '/logs') page = <LogsPage />
  else page = <HooksPage />

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">openhooks</span>
        <nav aria-label="Main">
          <a
            href="/hooks"
            aria-current={path.startsWith('/hooks') ? 'page' : undefined}
            onClick={linkHandler('/hooks')}
          >
            Hooks
          </a>
          <a
            href="/logs"
            aria-current={path === '/logs' ? 'page' : undefined}
            onClick={linkHandler('/logs')}
          >
            Logs
          </a>
        </nav>
        <span className="who" title="Signed in as">
          {session.email}
        </span>
        <button
          type="button"
          onClick={() => {
            signOut()
              .catch(() => undefined)
              .finally(() => {
                setNotice('You have signed out.')
                setSession(null)
              })
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  )
}

const root = document.getElementById('root')
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  )
}
