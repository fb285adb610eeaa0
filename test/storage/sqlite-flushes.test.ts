// The SQLite store flushes the tenant log's batches off the event loop and everything else on it
// (src/storage/sql/sqlite-wal-sync.ts): with `synchronous=FULL`, a batch's commit must not make
// the server's one thread wait for the disk, yet be on disk when `appendLogs` resolves, and the
// connection must be back to flushing every other commit. Read from the system calls themselves:
// the store runs in a child process under strace, and each `fsync`/`fdatasync` carries the id of
// the thread that made it.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { commandMissing } from '../helpers/commands.js'

const CHILD = fileURLToPath(new URL('./fixtures/sqlite-flushes.ts', import.meta.url))
/** The child's whole run (tsx compiles it under ptrace): a deadline for a stuck child. */
const CHILD_DEADLINE_MS = 120_000
const BATCHES = 5

interface Flush {
  readonly thread: number
  readonly call: string
}

/** The flushes of each phase between the child's marks (`kill(pid, 0)` by its main thread). */
function phases(trace: string, mainThread: number): Flush[][] {
  const result: Flush[][] = [[]]
  for (const line of trace.split('\n')) {
    const match = /^(\d+)\s+(fsync|fdatasync|kill)\(/.exec(line)
    if (match === null) continue
    const thread = Number(match[1])
    const call = match[2] as string
    if (call === 'kill') {
      if (thread === mainThread) result.push([])
      continue
    }
    result[result.length - 1]?.push({ thread, call })
  }
  return result
}

test(
  'SQLite, synchronous=FULL: tenant-log batches are flushed off the main thread, an ordinary write on it',
  { skip: commandMissing('strace') },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'openhooks-flushes-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const traceFile = join(dir, 'trace.txt')
    const child = spawn(
      'strace',
      [
        '-f',
        '-e',
        'trace=fsync,fdatasync,kill',
        '-o',
        traceFile,
        process.execPath,
        '--import',
        'tsx',
        CHILD,
        join(dir, 'openhooks.db'),
        String(BATCHES),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`the child ran longer than ${String(CHILD_DEADLINE_MS)} ms`))
      }, CHILD_DEADLINE_MS)
      child.on('exit', (exitCode) => {
        clearTimeout(timer)
        resolve(exitCode)
      })
    })
    assert.equal(code, 0, stderr)
    const trace = readFileSync(traceFile, 'utf8')
    // The child prints its pid, which is its main thread's id.
    const mainThread = Number(stdout.trim())
    assert.ok(Number.isSafeInteger(mainThread) && mainThread > 0, stdout)
    const [, batches, ordinary] = phases(trace, mainThread)
    assert.ok(batches !== undefined && ordinary !== undefined, trace)

    const batchFlushesOnMain = batches.filter((flush) => flush.thread === mainThread)
    assert.deepEqual(batchFlushesOnMain, [], 'a batch made the main thread wait for the disk')
    const batchFlushesElsewhere = batches.filter((flush) => flush.thread !== mainThread)
    // Each batch is awaited before the next, so each waits for a flush of its own.
    assert.equal(batchFlushesElsewhere.length, BATCHES, trace)
    assert.ok(batchFlushesElsewhere.every((flush) => flush.call === 'fdatasync'))

    // FULL again for the rest: the ordinary write is flushed before it resolves, on the main
    // thread as SQLite does it.
    assert.ok(
      ordinary.some((flush) => flush.thread === mainThread),
      `an ordinary write was not flushed: ${JSON.stringify(ordinary)}`,
    )
  },
)
