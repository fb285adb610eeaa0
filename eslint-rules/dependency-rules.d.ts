// Types of dependency-rules.js for the TypeScript that reads its table (scripts/layout.ts, tests).
import type { Rule } from 'eslint'

export interface FolderRule {
  readonly part: string
  readonly may: readonly string[]
  /** The named service layer: single files the folder may import anything from. */
  readonly services?: readonly string[]
  /** Single files the folder may take only types and UPPER_CASE constants from. */
  readonly declarations?: readonly string[]
}
export declare const ROOT_FILES: Readonly<Record<string, FolderRule>>
export declare const DEPENDENCY_RULES: Readonly<Record<string, FolderRule>>
export declare function allowedTargets(folder: string): string[] | undefined
export declare function declarationTargets(folder: string): readonly string[]
export declare function isAllowed(entries: readonly string[], target: string): boolean
export declare const dependencyRule: Rule.RuleModule
export declare const localPlugin: { rules: Record<string, Rule.RuleModule> }
