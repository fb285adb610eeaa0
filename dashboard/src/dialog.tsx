import { useEffect, useRef, type ReactNode } from 'react'

/**
 * A modal dialog on the native <dialog> element: focus moves into it and stays there, Escape
 * cancels, and focus returns to where it was when it closes.
 */
export function Dialog(props: {
  title: string
  children: ReactNode
  onCancel: () => void
  /** The form's submit: confirm. */
  onConfirm: () => void
  confirmLabel: string
  danger?: boolean
  busy?: boolean
  error?: string | undefined
}) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    const before = document.activeElement as HTMLElement | null
    dialog?.showModal()
    return () => {
      dialog?.close()
      before?.focus()
    }
  }, [])
  return (
    <dialog
      ref={ref}
      aria-labelledby="dialog-title"
      onCancel={(event) => {
        event.preventDefault()
        props.onCancel()
      }}
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault()
          props.onConfirm()
        }}
      >
        <h2 id="dialog-title">{props.title}</h2>
        {props.children}
        {props.error !== undefined && (
          <p className="error" role="alert">
            {props.error}
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button
            type="submit"
            className={props.danger === true ? 'danger' : 'primary'}
            disabled={props.busy === true}
          >
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  )
}
