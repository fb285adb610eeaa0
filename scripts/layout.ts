// The README's Layout table, generated from the dependency allow-list that ESLint enforces
// (eslint-rules/dependency-rules.js), so the two cannot drift apart.
import { DEPENDENCY_RULES, ROOT_FILES } from '../eslint-rules/dependency-rules.js'

export const README_LAYOUT_START = '<!-- layout:start -->'
export const README_LAYOUT_END = '<!-- layout:end -->'

const code = (target: string) => `\`${target}\``

function mayImport(may: readonly string[]): string {
  if (may.includes('*')) return 'everything (composition root)'
  return may.length === 0 ? 'nothing of `src/`' : may.map(code).join(', ')
}

/**
 * One row per src/ folder or file: what it holds, what it may import, its service layer and the
 * files it takes only types and constants from.
 */
export function renderLayoutTable(): string {
  const rules = { ...DEPENDENCY_RULES, ...ROOT_FILES }
  const rows = Object.entries(rules).map(([folder, rule]) => {
    const may = mayImport(rule.may)
    const services = (rule.services ?? []).map(code).join(', ')
    const declarations = (rule.declarations ?? []).map(code).join(', ')
    const layer = services === '' ? '' : `; the service layer ${services}`
    const facts = declarations === '' ? '' : `; types and constants only from ${declarations}`
    return `| \`src/${folder}\` | ${rule.part} | ${may}${layer}${facts} |`
  })
  return ['| Folder | Part | May import |', '|---|---|---|', ...rows].join('\n')
}
