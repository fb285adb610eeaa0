import { STATUS_CODES } from 'node:http'
import { DB_CONNECTIONS_ERRORS, MANAGEMENT_ERRORS, OAUTH_ERRORS } from './catalog.js'

/** The whole of docs/errors.md, from the error catalogue. */
export function renderErrorsDoc(): string {
  const management = Object.entries(MANAGEMENT_ERRORS).map(([name, entry]) => {
    const code = 'errorCode' in entry ? `\`${entry.errorCode}\`` : '—'
    return `| ${name} | ${entry.status} ${STATUS_CODES[entry.status] ?? ''} | \`${entry.message}\` | ${code} | ${entry.evidence} |`
  })
  const oauth = Object.entries(OAUTH_ERRORS).map(
    ([code, entry]) => `| \`${code}\` | ${entry.status} | ${entry.evidence} |`,
  )
  const dbConnections = Object.entries(DB_CONNECTIONS_ERRORS).map(
    ([name, entry]) =>
      `| ${name} | ${entry.status} | \`${entry.name}\` | \`${entry.code}\` | \`${entry.description}\` | ${entry.evidence} |`,
  )
  return `# Errors

<!-- Generated from src/errors/catalog.ts by \`npm run docs\`; test/errors-doc.test.ts fails when stale. -->

Evidence refers to sections and open questions (Q) of Auth0's compatibility reference
(\`shared/spec/auth0-hooks-compat.md\`): what Auth0 documented or was seen to do, or our choice.

## Management API (\`/api/v2\`)

Body: \`{"statusCode", "error", "message", "errorCode"?}\`; \`error\` is the reason phrase of the
status; \`errorCode\` is left out where Auth0 sends none. Errors of 500 and above never show their
cause: it is logged under the request id that every response carries as \`x-request-id\`.

| Name | Status | Message | errorCode | Evidence |
|---|---|---|---|---|
${management.join('\n')}

Validation messages follow Auth0's z-schema wording, for example
\`Payload validation error: 'Missing required property: name'.\` or
\`Payload validation error: 'String does not match pattern …: my_hook' on property name (Name of this hook.).\`;
several problems are joined with \` (also) \`.

## OAuth (\`/oauth/token\`)

Body: \`{"error", "error_description"?}\` (RFC 6749 §5.2), with \`Cache-Control: no-store\`.

| error | Status | Evidence |
|---|---|---|
${oauth.join('\n')}

## Database connections (\`/dbconnections/*\`)

Body: \`{"name", "code", "description", "statusCode"}\`. \`PasswordStrengthError\` also has
\`message\` (the text below) and \`policy\` (the connection's rules as a bullet list), and its
\`description\` is \`{"rules": […], "verified": false}\`. See docs/flows.md.

| Name | Status | name | code | description | Evidence |
|---|---|---|---|---|---|
${dbConnections.join('\n')}
`
}
