/**
 * The sandbox worker process: the only user of isolated-vm (STYLE §9.1), loaded through
 * `isolated-vm.ts`, which picks the build for the running Node.js. It is started by
 * `process-runner.ts` with `child_process.fork` and `--no-node-snapshot`, and talks to the parent
 * over file descriptor 3 with the frames of `protocol.ts`. Running this file is its entry point.
 *
 * It keeps one isolate per (hook id, version key, memory limit) in an LRU bounded by count and by
 * heap size. Each entry into an isolate is synchronous (`applySync` with a timeout), so one worker
 * runs one piece of hook code at a time; timers and the per-call deadline are host timers of this
 * process. See README.md for the limits this does and does not enforce.
 *
 * The worker's parts live in worker/, around one state object (worker/state.ts): the parent's
 * messages (run.ts), new slots (slots.ts) and their isolates (isolates.ts), entries into them and
 * the end of calls (entries.ts), the host callbacks the runtime calls (callbacks.ts), what a call
 * records (calls.ts), the channel and its idle poll (channel.ts) and the resident-memory ceiling
 * (ceiling.ts). This file starts them.
 */
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net'
import { FrameWriter } from './protocol.js'
import { removeWebAssemblyFromIsolates, RESIDENT_CHECK_INTERVAL_MS } from './worker-memory.js'
import { checkResident } from './worker/ceiling.js'
import { CHANNEL_READ_BYTES, onChannelData } from './worker/channel.js'
import { CHANNEL_FD, send, state } from './worker/state.js'

// Before any isolate exists (issue 17): WebAssembly memory is outside isolated-vm's memory limit.
removeWebAssemblyFromIsolates()

function startWorker(): void {
  setInterval(checkResident, RESIDENT_CHECK_INTERVAL_MS).unref()
  // `onread` hands each read to onChannelData directly, without the stream's buffering and events
  // (the decoder copies what it keeps). End of stream and errors still come as events.
  // Node documents `onread` for the constructor; this @types/node lists it under connect() only.
  const options: SocketConstructorOpts & { onread: OnReadOpts } = {
    fd: CHANNEL_FD,
    readable: true,
    writable: true,
    onread: {
      buffer: Buffer.allocUnsafe(CHANNEL_READ_BYTES),
      callback: (bytes: number, buffer: Uint8Array) => {
        onChannelData(Buffer.from(buffer.buffer, buffer.byteOffset, bytes))
        return true
      },
    },
  }
  const socket = new Socket(options)
  state.writer = new FrameWriter(socket, () => (socket.destroyed ? undefined : CHANNEL_FD))
  // The parent went away: nothing left to serve.
  socket.on('close', () => process.exit(0))
  socket.on('error', () => process.exit(1))
  process.on('disconnect', () => process.exit(0))
  send({ t: 'ready', pid: process.pid })
}

startWorker()
