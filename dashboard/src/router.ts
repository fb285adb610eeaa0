import { useEffect, useState } from 'react'

/** Guards a navigation (the editor's unsaved changes); returns false to stay. */
let leaveGuard: (() => boolean) | undefined
export function setLeaveGuard(guard: (() => boolean) | undefined): void {
  leaveGuard = guard
}

const listeners = new Set<() => void>()

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === location.pathname) return
  if (leaveGuard !== undefined && !leaveGuard()) return
  if (options.replace === true) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  for (const listener of listeners) listener()
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname)
  useEffect(() => {
    const update = () => setPath(location.pathname)
    listeners.add(update)
    window.addEventListener('popstate', update)
    return () => {
      listeners.delete(update)
      window.removeEventListener('popstate', update)
    }
  }, [])
  return path
}

/** A link that navigates inside the SPA (and still opens in a new tab with a modifier). */
export function linkHandler(path: string) {
  return (event: {
    preventDefault(): void
    metaKey: boolean
    ctrlKey: boolean
    shiftKey: boolean
    button: number
  }) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return
    event.preventDefault()
    navigate(path)
  }
}
