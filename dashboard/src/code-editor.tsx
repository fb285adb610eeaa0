import { autocompletion, type CompletionContext } from '@codemirror/autocomplete'
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands'
import { javascript, javascriptLanguage } from '@codemirror/lang-javascript'
import { json } from '@codemirror/lang-json'
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  syntaxHighlighting,
  syntaxTree,
} from '@codemirror/language'
import { linter, lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint'
import { EditorState } from '@codemirror/state'
import {
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view'
import { useEffect, useRef } from 'react'

/** Syntax errors the parser finds while typing, shown in place before anything runs. */
const syntaxErrors = linter((view) => {
  const found: Diagnostic[] = []
  syntaxTree(view.state).iterate({
    enter(node) {
      if (node.type.isError && found.length < 20) {
        found.push({
          from: node.from,
          to: Math.max(node.to, node.from + 1),
          severity: 'error',
          message: 'Syntax error',
        })
      }
    },
  })
  return found
})

/**
 * CodeMirror measures line heights only while the editor is inside the window; until then its
 * heights come from a 14 px estimate, and the line-number gutter is laid out with them while the
 * text lines take their real height (18.2 px here), so the numbers drift further from their lines
 * at every line. On a phone the Runner's payload editor is created below the fold (the page is one
 * column), so it showed such a gutter until CodeMirror happened to measure it again. This lays the
 * new editor out once at the top of the window, invisible, for CodeMirror's first measurement, then
 * puts it back: the estimates are replaced by measured heights before anything is painted.
 */
function measureWhileOffScreen(host: HTMLElement, view: EditorView): void {
  const rect = host.getBoundingClientRect()
  const inWindow =
    rect.bottom > 0 &&
    rect.top < window.innerHeight &&
    rect.right > 0 &&
    rect.left < window.innerWidth
  if (inWindow || rect.width === 0) return
  const saved = host.getAttribute('style')
  host.style.cssText += `;position:fixed;top:0;left:0;width:${rect.width}px;visibility:hidden`
  const restore = () => {
    if (saved === null) host.removeAttribute('style')
    else host.setAttribute('style', saved)
  }
  // Requests run after CodeMirror's own measurement in the same animation frame, before paint.
  view.requestMeasure({ read: () => undefined, write: restore })
}

/** Completions for the text before the cursor on its line (`from`: offset into that text). */
export type CompleteFn = (
  before: string,
  doc: string,
) =>
  | { from: number; options: { label: string; type: string; detail: string; info: string }[] }
  | undefined

/** CodeMirror's completion list, fed by `complete` (read through `latest`, so it may change). */
function completionsFrom(latest: { current: { complete?: CompleteFn } }) {
  return [
    autocompletion(),
    javascriptLanguage.data.of({
      autocomplete: (context: CompletionContext) => {
        const line = context.state.doc.lineAt(context.pos)
        const found = latest.current.complete?.(
          line.text.slice(0, context.pos - line.from),
          context.state.doc.toString(),
        )
        if (found === undefined || found.options.length === 0) return null
        return { from: line.from + found.from, options: found.options, validFor: /^[\w$]*$/ }
      },
    }),
  ]
}

export interface CodeEditorHandle {
  text(): string
  /** Shows errors from the server (e.g. a compile error) in place. */
  showErrors(errors: { line?: number; column?: number; message: string }[]): void
}

export function CodeEditor(props: {
  initial: string
  language: 'javascript' | 'json'
  label: string
  onChange?: (text: string) => void
  onSave?: () => void
  handle?: (handle: CodeEditorHandle | undefined) => void
  minHeight?: string
  /** Completions of a hook script (JavaScript only). */
  complete?: CompleteFn
}) {
  const host = useRef<HTMLDivElement>(null)
  const latest = useRef(props)
  latest.current = props

  useEffect(() => {
    if (host.current === null) return
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: props.initial,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          history(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          props.language === 'javascript' ? javascript() : json(),
          lintGutter(),
          ...(props.language === 'javascript' ? [syntaxErrors] : []),
          ...(props.language === 'javascript' && props.complete !== undefined
            ? completionsFrom(latest)
            : []),
          keymap.of([
            {
              key: 'Mod-s',
              preventDefault: true,
              run: () => {
                latest.current.onSave?.()
                return true
              },
            },
            ...defaultKeymap,
            ...historyKeymap,
            indentWithTab,
          ]),
          EditorView.contentAttributes.of({ 'aria-label': props.label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange?.(update.state.doc.toString())
          }),
          EditorView.theme({ '&': { minHeight: props.minHeight ?? '12rem' } }),
        ],
      }),
    })
    measureWhileOffScreen(host.current, view)
    props.handle?.({
      text: () => view.state.doc.toString(),
      showErrors: (errors) => {
        const doc = view.state.doc
        const diagnostics = errors.map((e): Diagnostic => {
          // A line past the end (the script changed since) marks the last line, not the first.
          const line = doc.line(Math.min(Math.max(e.line ?? 1, 1), doc.lines))
          // From the column to the end of the line; at the end of the line, the whole line.
          const from =
            e.column !== undefined && e.column >= 1 && line.from + e.column - 1 < line.to
              ? line.from + e.column - 1
              : line.from
          return { from, to: line.to, severity: 'error', message: e.message }
        })
        view.dispatch(setDiagnostics(view.state, diagnostics))
      },
    })
    return () => {
      props.handle?.(undefined)
      view.destroy()
    }
    // The editor is created once; later props are read through `latest`.
  }, [])

  return <div className="code-editor" ref={host} />
}
