import { STATUS_CODES } from 'node:http'
import {
  DB_CONNECTIONS_ERRORS,
  MANAGEMENT_ERRORS,
  OAUTH_DESCRIPTIONS,
  OAUTH_ERRORS,
} from './catalog.js'

/** The whole of docs/errors.md, from the error catalogue. */
export function renderErrorsDoc(): string {
  const management = Object.entries(MANAGEMENT_ERRORS).map(([name, entry]) => {
    const code = 'errorCode' in entry ? `\`${entry.errorCode}\`` : '—'
    return `| ${name} | ${entry.status} ${STATUS_CODES[entry.status] ?? ''} | \`${entry.message}\` | ${code} | ${entry.evidence} |`
  })
  const oauth = Object.entries(OAUTH_ERRORS).map(
    ([code, entry]) => `| \`${code}\` | ${entry.status} | ${entry.evidence} |`,
  )
  const descriptions = Object.entries(OAUTH_DESCRIPTIONS).map(([name, entry]) => {
    const status: number = 'status' in entry ? entry.status : OAUTH_ERRORS[entry.error].status
    return `| ${name} | ${status} | \`${entry.error}\` | \`${entry.description}\` | ${entry.evidence} |`
  })
  const dbConnections = Object.entries(DB_CONNECTIONS_ERRORS).map(
    ([name, entry]) =>
      `| ${name} | ${entry.status} | \`${entry.name}\` | \`${entry.code}\` | \`${entry.description}\` | ${entry.evidence} |`,
  )
  return `# Errors

<!-- Generated from src/errors/catalog.ts by \`npm run docs\`; test/config/docs.test.ts fails when stale. -->

Evidence says where each status and text comes from: \`DOC\` Auth0's documentation, \`OAS\` the
OpenAPI description of Auth0's Management API, \`OBS\` a response seen from Auth0, \`CODE\` Auth0's
published source, \`INF\` inferred from those, and \`ours\` where Auth0 shows nothing to copy. The
numbers (§4.1, Q18) are sections and open questions of the project's internal compatibility notes,
kept so a reviewer can trace a choice; the table itself states the behaviour.

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

Every \`error_description\` openhooks writes itself (\`{name}\` stands for the value of the request
that is named). The body is \`{"error", "error_description"}\`; \`MfaRequired\` adds
\`mfa_token\`. Besides these, a client can receive: the \`error\` and \`error_description\` a
credentials-exchange hook chooses (\`invalid_scope\`, \`unauthorized_client\`, \`access_denied\`,
\`server_error\`; see docs/flows.md), a send-phone-message hook's friendly message in place of
\`SmsSendFailed\`, and \`invalid_request\` with the parser's message for a malformed body.

| Name | Status | error | error_description | Evidence |
|---|---|---|---|---|
${descriptions.join('\n')}

## Database connections (\`/dbconnections/*\`)

Body: \`{"name", "code", "description", "statusCode"}\`. \`PasswordStrengthError\` also has
\`message\` (the text below) and \`policy\` (the connection's rules as a bullet list), and its
\`description\` is \`{"rules": […], "verified": false}\`. See docs/flows.md.

| Name | Status | name | code | description | Evidence |
|---|---|---|---|---|---|
${dbConnections.join('\n')}
`
}
