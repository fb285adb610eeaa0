/**
 * The parent ⇄ worker protocol: one JSON message per frame, a frame being a 4-byte little-endian
 * length followed by that many bytes of UTF-8 JSON. Both sides validate every message on receipt; a
 * frame over the size ceiling or a message that fails validation is a protocol error, which the
 * parent treats as a crash of the worker (STYLE §9.6).
 *
 * Its parts are in protocol/: the messages and their size ceilings (messages.ts), the frame codec
 * (frames.ts), the layout of a frame's header and payload with the compact binary headers of the
 * two hot messages (headers.ts; the encoder and the decoder change together), and the validators
 * (validate.ts). This module is what the two sides import.
 */
export * from './protocol/messages.js'
export { encodeFrame, FrameDecoder, FrameWriter } from './protocol/frames.js'
export type { FrameResult } from './protocol/frames.js'
export { parseParentMessage, parseWorkerMessage } from './protocol/validate.js'
