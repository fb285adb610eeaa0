import assert from 'node:assert/strict'
import { test } from 'node:test'
import { errorPosition } from '../../dashboard/src/compile-error.js'

test("the editor's marker takes the line and column of the runner's [hook.js:L:C]", () => {
  assert.deepEqual(
    errorPosition(
      'Unable to compile the extensibility code as javascript: Unexpected end of input [hook.js:24:19]',
    ),
    { line: 24, column: 19 },
  )
  // Digits before the position (a message quoting a number) are not taken for it.
  assert.deepEqual(errorPosition("Unexpected number '1:2:3' [hook.js:3:1]"), {
    line: 3,
    column: 1,
  })
  assert.deepEqual(errorPosition('something on line 7'), { line: 7 })
  assert.deepEqual(errorPosition('no position'), {})
})
