// Types of dependency-rules.js for the TypeScript that reads its table (scripts/layout.ts, tests).
import type { Rule } from 'eslint'

export interface DependencyException {
  readonly target: string
  readonly reason: string
}
export interface FolderRule {
  readonly part: string
  readonly may: readonly string[]
  readonly exceptions?: readonly DependencyException[]
}
export declare const ROOT_FILES: Readonly<Record<string, FolderRule>>
export declare const DEPENDENCY_RULES: Readonly<Record<string, FolderRule>>
export declare function allowedTargets(folder: string): string[] | undefined
export declare function isAllowed(entries: readonly string[], target: string): boolean
export declare const dependencyRule: Rule.RuleModule
export declare const localPlugin: { rules: Record<string, Rule.RuleModule> }
