/**
 * A read-only side-by-side diff of two scripts: CodeMirror's merge view. Its own module so that
 * the editor page loads it only when a version is opened in the History panel.
 */
import { javascript } from '@codemirror/lang-javascript'
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { MergeView } from '@codemirror/merge'
import { EditorState } from '@codemirror/state'
import { EditorView, lineNumbers } from '@codemirror/view'
import { useEffect, useRef } from 'react'

export default function DiffView(props: {
  /** Left: the version chosen. */
  before: string
  beforeLabel: string
  /** Right: the current script. */
  after: string
  afterLabel: string
}) {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (host.current === null) return
    const side = (label: string) => [
      lineNumbers(),
      javascript(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      EditorState.readOnly.of(true),
      EditorView.editable.of(false),
      EditorView.contentAttributes.of({ 'aria-label': label }),
    ]
    const view = new MergeView({
      parent: host.current,
      a: { doc: props.before, extensions: side(props.beforeLabel) },
      b: { doc: props.after, extensions: side(props.afterLabel) },
      gutter: true,
      highlightChanges: true,
    })
    return () => view.destroy()
  }, [props.before, props.after, props.beforeLabel, props.afterLabel])
  return <div className="diff-view code-editor" ref={host} data-testid="diff-view" />
}
