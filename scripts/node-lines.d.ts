// Types of node-lines.js (plain JavaScript so that it runs before the dependencies are installed).
export interface NodeLine {
  readonly major: number
  readonly minimum: string
  readonly endOfLife: string
}
export type NodeLineVerdict =
  { readonly level: 'ok' } | { readonly level: 'warn' | 'refuse'; readonly message: string }
export declare const NODE_LINES: readonly NodeLine[]
export declare const RECOMMENDED_MAJOR: number
export declare function engineRange(): string
export declare function supportedLinesText(): string
export declare function nodeLineVerdict(version: string, today: Date): NodeLineVerdict
