/**
 * `perf script -i perf.data | npm run -s bench:handover-timeline -- SERVER_PID [WORKER_PID]`: where
 * the time of one token request goes at one connection, from the system calls of the bench server
 * and of its sandbox worker (issue 23, fourth pass; docs/performance.md tells how to record them).
 *
 * The input is `perf script` output of `perf record -e raw_syscalls:sys_enter,raw_syscalls:sys_exit`
 * (scheduler events may be there too; they are skipped) on the two processes, with
 * `bench:token-profile -- trivial|none SECONDS 1` running. A request starts when the server's
 * main thread reads a request from its HTTP socket (the descriptor it answers on with `writev`)
 * and ends at that `writev`. In between, in order: the last SQLite lock call (`fcntl`: the counter
 * read), the run frame's `write` on the channel to the worker, the worker's return from
 * `epoll_pwait` (it is running), its `write` of the result, the server's `read` of it, and the
 * `futex` wake that hands the RSA signature to libuv's pool. Prints the median of each step, in µs.
 * Tracing adds a few µs to every system call: compare steps between variants of one recording
 * session, not with the bench's untraced latencies.
 */
import { createInterface } from 'node:readline'

const server = Number(process.argv[2])
const worker = process.argv[3] === undefined ? undefined : Number(process.argv[3])
if (!Number.isSafeInteger(server))
  throw new Error('usage: handover-timeline SERVER_PID [WORKER_PID]')

const SYS_READ = 0
const SYS_WRITE = 1
const SYS_WRITEV = 20
const SYS_FCNTL = 72
const SYS_FUTEX = 202
const SYS_EPOLL_PWAIT = 281
/** `futex(…, FUTEX_WAKE_PRIVATE, 1)`: libuv waking one pool thread. */
const FUTEX_WAKE_PRIVATE = '81'
/** The worker's end of the channel (src/sandbox/worker/state.ts). */
const WORKER_CHANNEL_FD = 3
/** A run frame of the bench's hook is a few hundred bytes; no other write of the server is. */
const RUN_FRAME_BYTES = { min: 300, max: 2000 }

interface Syscall {
  readonly tid: number
  /** When it was entered and when it returned, in µs. */
  readonly at: number
  readonly exitAt: number
  readonly nr: number
  readonly args: readonly string[]
  readonly result: number
}

const LINE =
  /^\s*\S+\s+(\d+)\s+\[\d+\]\s+([\d.]+):\s+raw_syscalls:sys_(enter|exit):\s+NR (\d+) (.*)$/
const calls: Syscall[] = []
const entered = new Map<number, { at: number; nr: number; args: string[] }>()
for await (const line of createInterface({ input: process.stdin })) {
  const match = LINE.exec(line)
  if (match === null) continue
  const [, tidText, secondsText, kind, nrText, rest] = match as unknown as string[]
  const tid = Number(tidText)
  if (tid !== server && tid !== worker) continue
  const at = Number(secondsText) * 1e6
  if (kind === 'enter') {
    const args = (rest ?? '').replace(/^\(|\)$/g, '').split(', ')
    entered.set(tid, { at, nr: Number(nrText), args })
    continue
  }
  const call = entered.get(tid)
  entered.delete(tid)
  if (call === undefined) continue
  const result = Number((rest ?? '').split('= ')[1])
  calls.push({ tid, at: call.at, exitAt: at, nr: call.nr, args: call.args, result })
}

const fdOf = (call: Syscall): number => parseInt(call.args[0] ?? '', 16)
const serverCalls = calls.filter((c) => c.tid === server)
const httpFd = mostCommon(serverCalls.filter((c) => c.nr === SYS_WRITEV).map(fdOf))
const runWrite = serverCalls.find((c) => {
  const bytes = parseInt(c.args[2] ?? '', 16)
  return c.nr === SYS_WRITE && bytes >= RUN_FRAME_BYTES.min && bytes <= RUN_FRAME_BYTES.max
})
const channelFd = runWrite === undefined ? undefined : fdOf(runWrite)

type Mark =
  | 'request'
  | 'counterRead'
  | 'runWrite'
  | 'workerRuns'
  | 'resultWrite'
  | 'resultRead'
  | 'signing'
  | 'answer'
const requests: Partial<Record<Mark, number>>[] = []
let current: Partial<Record<Mark, number>> | undefined
for (const call of calls) {
  const fd = fdOf(call)
  if (call.tid === server) {
    if (call.nr === SYS_READ && fd === httpFd && call.result > 0) current = { request: call.exitAt }
    if (current === undefined) continue
    if (call.nr === SYS_FCNTL && current.runWrite === undefined && current.signing === undefined)
      current.counterRead = call.exitAt
    if (call.nr === SYS_WRITE && fd === channelFd) current.runWrite ??= call.at
    if (call.nr === SYS_READ && fd === channelFd && current.resultWrite !== undefined)
      current.resultRead ??= call.exitAt
    const afterHook = worker === undefined || current.resultRead !== undefined
    if (
      call.nr === SYS_FUTEX &&
      afterHook &&
      call.args[1] === FUTEX_WAKE_PRIVATE &&
      call.args[2] === '1'
    )
      current.signing ??= call.at
    if (call.nr === SYS_WRITEV && fd === httpFd) {
      current.answer = call.at
      requests.push(current)
      current = undefined
    }
  } else if (current?.runWrite !== undefined) {
    if (call.nr === SYS_EPOLL_PWAIT) current.workerRuns ??= call.exitAt
    if (call.nr === SYS_WRITE && fd === WORKER_CHANNEL_FD) current.resultWrite ??= call.at
  }
}

const steps: [string, Mark, Mark][] =
  worker === undefined
    ? [
        ['request read → counter read', 'request', 'counterRead'],
        ['counter read → signing handed to the pool', 'counterRead', 'signing'],
        ['signing → answer written', 'signing', 'answer'],
        ['request read → answer written', 'request', 'answer'],
      ]
    : [
        ['request read → counter read', 'request', 'counterRead'],
        ['counter read → run frame written (server)', 'counterRead', 'runWrite'],
        ['run frame written → worker running (hand-over)', 'runWrite', 'workerRuns'],
        ['worker running → result written (worker)', 'workerRuns', 'resultWrite'],
        ['result written → result read (hand-over back)', 'resultWrite', 'resultRead'],
        ['result read → signing handed to the pool (server)', 'resultRead', 'signing'],
        ['signing → answer written', 'signing', 'answer'],
        ['request read → answer written', 'request', 'answer'],
      ]
console.log(
  `requests: ${String(requests.length)} (HTTP fd ${String(httpFd)}, channel fd ${String(channelFd)})`,
)
for (const [name, from, to] of steps) {
  const spans = requests.flatMap((r) =>
    r[from] !== undefined && r[to] !== undefined ? [r[to] - r[from]] : [],
  )
  console.log(
    `${name}: median ${String(Math.round(median(spans)))} µs (${String(spans.length)} requests)`,
  )
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

function mostCommon(values: number[]): number | undefined {
  const counts = new Map<number, number>()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0]
}
