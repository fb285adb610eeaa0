/**
 * The arguments of `npm test` (scripts/run-tests.js, scripts/test-args.js): every path filter
 * counts, the first one too (`npm test -- a b` once dropped `a`), and options are not filters.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parseTestArgs, selectTestFiles } from '../../scripts/test-args.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Deadline for the script to list nothing and exit: for a hung script, not a slow machine. */
const SCRIPT_TIMEOUT_MS = 60_000

describe('npm test arguments', () => {
  it('keeps every filter, the first one too', () => {
    assert.deepEqual(parseTestArgs(['test/sandbox/hostile', 'test/flows']), {
      coverage: false,
      fast: false,
      timings: undefined,
      filters: ['test/sandbox/hostile', 'test/flows'],
    })
    assert.deepEqual(parseTestArgs(['sandbox']).filters, ['sandbox'])
    assert.deepEqual(parseTestArgs([]).filters, [])
  })

  it('takes the options out of the filters, and the file name after --timings', () => {
    assert.deepEqual(parseTestArgs(['a', '--fast', 'b', '--timings', '/tmp/t.jsonl', 'c']), {
      coverage: false,
      fast: true,
      timings: '/tmp/t.jsonl',
      filters: ['a', 'b', 'c'],
    })
    assert.deepEqual(parseTestArgs(['--coverage', 'test/sandbox/isolate']), {
      coverage: true,
      fast: false,
      timings: undefined,
      filters: ['test/sandbox/isolate'],
    })
    assert.throws(() => parseTestArgs(['a', '--timings']), /--timings needs a file name/)
  })

  it('selects the files that match any filter, without the slow ones, sorted', () => {
    const files = ['test/b/two.test.ts', 'test/a/one.test.ts', 'src/c/three.test.ts']
    assert.deepEqual(selectTestFiles(files, [], new Set()), [
      'src/c/three.test.ts',
      'test/a/one.test.ts',
      'test/b/two.test.ts',
    ])
    assert.deepEqual(selectTestFiles(files, ['test/b', 'test/a'], new Set()), [
      'test/a/one.test.ts',
      'test/b/two.test.ts',
    ])
    assert.deepEqual(selectTestFiles(files, ['test/'], new Set(['test/b/two.test.ts'])), [
      'test/a/one.test.ts',
    ])
  })

  it('the script itself names every filter that matched nothing', () => {
    const run = spawnSync(
      process.execPath,
      ['scripts/run-tests.js', 'no-such-test-first', 'no-such-test-second'],
      { cwd: ROOT, encoding: 'utf8', timeout: SCRIPT_TIMEOUT_MS },
    )
    assert.equal(run.status, 1, run.stderr)
    assert.equal(run.stderr.trim(), 'no test files match no-such-test-first no-such-test-second')
  })
})
