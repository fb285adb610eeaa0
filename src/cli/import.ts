/**
 * `openhooks import --format directory|yaml --in DIR`: brings the server's hooks in line with Auth0
 * Deploy CLI files (compat §6). The whole input is read and checked, and the plan made against
 * the server's state, before the first write; a write that fails is retried when that is safe,
 * and otherwise the report says what was and was not applied.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIo } from './cli-io.js'
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connectionFrom } from './connection.js'
import { parseFormat, type CommandDeps } from './export.js'
import { readDirectoryFormat } from './formats/directory.js'
import { readYamlFormat } from './formats/yaml.js'
import {
  checkHookSet,
  compare,
  formatProblem,
  type InputProblem,
  type LocalHook,
} from './hook-files.js'
import {
  planImport,
  renderPlan,
  type HookPlan,
  type ImportPlan,
  type RemoteHook,
} from './import-plan.js'
import { loadKeywords, type KeywordMappings } from './keywords.js'
import { ManagementClient, ManagementRequestError } from './management-client.js'

export const IMPORT_USAGE = `Usage: openhooks import --format directory|yaml --in DIR [--dry-run] [--delete]
                        [--keywords FILE] [connection options]

Makes the server's hooks match the Auth0 Deploy CLI files in DIR (hooks/*.json, or tenant.yaml;
for yaml, DIR may also be the YAML file). Hooks are matched by id, then by name. The whole input
is checked before anything is written.

  --dry-run         Print the plan (each hook and secret: create, update, delete, unchanged) and
                    write nothing.
  --delete          Also delete the hooks, and the secrets of listed hooks, that the files do not
                    have. Without it nothing is deleted.
  --keywords FILE   A JSON object of keyword replacements: @@KEY@@ becomes the value as JSON
                    (quotes around the marker included), ##KEY## the value as text.

A secret whose value is _VALUE_NOT_SHOWN_ keeps the server's value; it is never written.

${CONNECTION_USAGE}`

/** One write of the import, in the order they run. */
interface Step {
  readonly label: string
  readonly run: () => Promise<void>
}

export async function importCommand(
  args: readonly string[],
  io: CliIo,
  deps: CommandDeps = {},
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...CONNECTION_OPTIONS,
      format: { type: 'string' },
      in: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      delete: { type: 'boolean', default: false },
      keywords: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  })
  const format = parseFormat(values.format)
  if (values.in === undefined || values.in === '') throw new UsageError('--in DIR is required')
  const input = resolve(io.cwd, values.in)
  const connection = connectionFrom(values, io.env)
  const dryRun = values['dry-run']
  const allowDelete = values.delete

  // 1. Read and check everything, without the server.
  const problems: InputProblem[] = []
  let mappings: KeywordMappings = {}
  if (values.keywords !== undefined) {
    const loaded = loadKeywords(resolve(io.cwd, values.keywords), values.keywords)
    if ('problem' in loaded) problems.push(loaded.problem)
    else mappings = loaded.mappings
  }
  const read =
    format === 'directory' ? readDirectoryFormat(input, mappings) : readYamlFormat(input, mappings)
  for (const warning of read.warnings) io.err(`warning: ${warning}\n`)
  problems.push(...read.problems)
  problems.push(...checkHookSet(read.identities))
  if (problems.length > 0) return reportProblems(io, problems)

  // 2. Read the server and plan.
  const client = new ManagementClient({
    ...connection,
    ...(deps.timing !== undefined ? { timing: deps.timing } : undefined),
    onRetry: (message) => io.err(`${message}\n`),
  })
  let remote: RemoteHook[]
  const uncompiled: InputProblem[] = []
  try {
    remote = []
    for (const hook of await client.listHooks()) {
      remote.push({ hook, secretNames: await client.secretNames(hook.id) })
    }
    uncompiled.push(...(await checkEnabledScripts(client, read.hooks)))
  } catch (error) {
    if (!(error instanceof ManagementRequestError)) throw error
    io.err(`openhooks import: ${error.message}\nNothing was written.\n`)
    return EXIT_FAILURE
  }
  const plan = planImport(read.hooks, remote, { allowDelete })
  if (plan.problems.length > 0 || uncompiled.length > 0) {
    return reportProblems(io, [...plan.problems, ...uncompiled])
  }

  io.out(renderPlan(plan))
  for (const hook of plan.hooks) {
    for (const secret of hook.secrets) {
      if (secret.action === 'skip') {
        io.err(
          `warning: ${hook.local?.file ?? hook.name}: ${hook.local?.fieldPrefix ?? ''}secrets.${secret.name}: ${secret.note ?? ''}\n`,
        )
      }
    }
  }
  if (dryRun) {
    io.out('Dry run: nothing was written.\n')
    return EXIT_OK
  }

  // 3. Write, one step at a time.
  const steps = planSteps(plan, client, io)
  const applied: string[] = []
  for (const [index, step] of steps.entries()) {
    try {
      await step.run()
      applied.push(step.label)
    } catch (error) {
      if (!(error instanceof ManagementRequestError)) throw error
      const rest = steps.slice(index + 1).map((s) => s.label)
      const lines = [
        `openhooks import: failed: ${step.label}: ${error.message}`,
        error.outcome === 'unknown'
          ? `The server may or may not have applied "${step.label}"; run the import again (or with --dry-run) to see where things stand.`
          : `"${step.label}" was not applied.`,
        `Applied (${applied.length}):`,
        ...applied.map((label) => `  ${label}`),
        `Not applied (${rest.length + (error.outcome === 'unknown' ? 0 : 1)}):`,
        ...(error.outcome === 'unknown' ? [] : [`  ${step.label}`]),
        ...rest.map((label) => `  ${label}`),
      ]
      io.err(`${lines.join('\n')}\n`)
      return EXIT_FAILURE
    }
  }
  io.out(`Applied ${applied.length} change${applied.length === 1 ? '' : 's'}.\n`)
  return EXIT_OK
}

/**
 * issue 18.7: the server refuses to enable a hook whose script does not compile; the enabled
 * hooks of the files are checked by the server before anything is written, so that such a hook
 * is a problem of the input, listed with the others, and not a failure halfway through.
 */
async function checkEnabledScripts(
  client: ManagementClient,
  hooks: readonly LocalHook[],
): Promise<InputProblem[]> {
  const problems: InputProblem[] = []
  for (const hook of hooks) {
    if (!hook.enabled) continue
    const check = await client.syntaxCheck(hook.triggerId, hook.script)
    if (check.compiles) continue
    problems.push({
      file: hook.file,
      field: `${hook.fieldPrefix}script`,
      message: `does not compile, and an enabled hook must: ${check.message} [hook.js:${check.line}:${check.column}]; fix it, or import it with enabled: false`,
    })
  }
  return problems
}

/** Every problem, grouped by file (in file order), then in the order found. */
function reportProblems(io: CliIo, unsorted: readonly InputProblem[]): number {
  const problems = [...unsorted].sort((a, b) => compare(a.file, b.file))
  io.err(
    `openhooks import: nothing was written; ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${formatProblem(p)}\n`).join('')}`,
  )
  return EXIT_FAILURE
}

/**
 * The writes, in deploy-cli's order: hook deletes, updates (renames free names), creates, then
 * each hook's secrets: deletes, updates, adds (compat §6.5). Enabling is exclusive on the server
 * (compat Q1), so the order of the `enabled` changes does not matter.
 */
function planSteps(plan: ImportPlan, client: ManagementClient, io: CliIo): Step[] {
  const ids = new Map<HookPlan, string>()
  for (const hook of plan.hooks) if (hook.id !== undefined) ids.set(hook, hook.id)
  const steps: Step[] = []
  const hookId = (hook: HookPlan): string => {
    const id = ids.get(hook)
    if (id === undefined) throw new TypeError(`no id for hook ${hook.name}`)
    return id
  }
  for (const hook of plan.hooks) {
    if (hook.action !== 'delete') continue
    steps.push({ label: `delete hook ${hook.name}`, run: () => client.deleteHook(hookId(hook)) })
  }
  for (const hook of plan.hooks) {
    const update = hook.update
    if (hook.action !== 'update' || hook.implicit === true || update === undefined) continue
    steps.push({
      label: `update hook ${hook.name} (${hook.note ?? ''})`,
      run: async () => {
        await client.updateHook(hookId(hook), update)
      },
    })
  }
  for (const hook of plan.hooks) {
    const create = hook.create
    if (hook.action !== 'create' || create === undefined) continue
    steps.push({
      label: `create hook ${hook.name}`,
      run: async () => {
        const created = await client.createHook(create)
        ids.set(hook, created.id)
        if (created.name !== hook.name) {
          io.err(
            `warning: the server stores "${hook.name}" as "${created.name}"; rename it in ${hook.local?.file ?? 'the files'}, or the next import will not match it (deploy-cli only lower-cases names)\n`,
          )
        }
      },
    })
  }
  for (const hook of plan.hooks) {
    if (hook.action === 'delete') continue
    const of = (action: string) => hook.secrets.filter((s) => s.action === action)
    const values = (action: string) =>
      Object.fromEntries(of(action).map((s) => [s.name, s.value ?? '']))
    const names = (action: string) => of(action).map((s) => s.name)
    if (of('delete').length > 0) {
      steps.push({
        label: `delete secrets of ${hook.name}: ${names('delete').join(', ')}`,
        run: () => client.deleteSecrets(hookId(hook), names('delete')),
      })
    }
    if (of('update').length > 0) {
      steps.push({
        label: `update secrets of ${hook.name}: ${names('update').join(', ')}`,
        run: () => client.updateSecrets(hookId(hook), values('update')),
      })
    }
    if (of('create').length > 0) {
      steps.push({
        label: `add secrets to ${hook.name}: ${names('create').join(', ')}`,
        run: () => client.addSecrets(hookId(hook), values('create')),
      })
    }
  }
  return steps
}
