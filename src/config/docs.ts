import { CONFIG_KEYS, type ConfigKey, type ConfigType } from './schema.js'

function typeText(type: ConfigType): string {
  switch (type.kind) {
    case 'string':
      return 'string'
    case 'integer':
      return `integer ${type.min}–${type.max}`
    case 'boolean':
      return 'boolean'
    case 'url':
      return 'URL'
    case 'enum':
      return type.values.map((v) => `\`${v}\``).join(', ')
    case 'base64-key':
      return `${type.bytes} bytes, base64`
  }
}

function defaultText(key: ConfigKey): string {
  if (key.defaultText !== undefined) return key.defaultText
  if (key.default === undefined) return 'unset'
  return `\`${String(key.default)}\``
}

/** The configuration table, in Markdown, as the README and docs/configuration.md show it. */
export function renderConfigTable(): string {
  const rows = (CONFIG_KEYS as readonly ConfigKey[]).map((key) => {
    const warning = key.security !== undefined ? ` **Warning:** ${key.security}` : ''
    return `| \`${key.env}\` | ${typeText(key.type)} | ${defaultText(key)} | ${key.description}${warning} |`
  })
  return ['| Variable | Type | Default | Description |', '|---|---|---|---|', ...rows].join('\n')
}

/** The whole of docs/configuration.md. */
export function renderConfigDoc(): string {
  return `# Configuration

<!-- Generated from src/config/schema.ts by \`npm run docs\`; test/config/docs.test.ts fails when stale. -->

openhooks reads its configuration from environment variables only, once, at start. Every value is
validated before anything else happens; when any is invalid the process stops with one message
that lists every problem. Node's \`--env-file\` can load them from a file.

${renderConfigTable()}
`
}
