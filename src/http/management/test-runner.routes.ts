import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ApiError } from '../../errors/api-error.js'
import { runHook } from '../../hooks/dispatch.js'
import { redactRun } from '../../hooks/hook-dispatcher.js'
import { runReport } from '../../hooks/run-report.js'
import { MAX_SCRIPT_CHARS, TRIGGER_IDS, type TriggerId } from '../../hooks/hook.js'
import type { DependencyLoader } from '../../hooks/dependencies.js'
import type { HookService } from '../../hooks/hook-service.js'
import { findTrigger, getTrigger } from '../../hooks/triggers/index.js'
import type { TriggerDefinition, TriggerFailure } from '../../hooks/triggers/trigger.js'
import type { Logger } from '../../logging/logger.js'
import type { HookRunner } from '../../sandbox/runner.js'
import { scriptSyntaxError } from '../../hooks/script-check.js'
import type { ManagementRouteConfig } from './guard.js'
import { SyntaxCheckBody, SyntaxCheckResponse } from './schemas.js'

export interface TestRunnerOptions {
  readonly hooks: HookService
  readonly runner: HookRunner
  /** Receives the `hook.executed` event of each run. */
  readonly logger: Logger
  /** Loads the hook's npm dependencies (issue 9). */
  readonly dependencies?: DependencyLoader | undefined
}

const TestHookBody = Type.Object(
  {
    payload: Type.Unknown({ description: "The trigger's wire body, as the Runner edits it." }),
    script: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_SCRIPT_CHARS,
        description: 'Run this text instead of the saved script; nothing is saved (compat Q23).',
      }),
    ),
  },
  { additionalProperties: false },
)

/**
 * The Runner (compat §4.6, Q23): run a hook, enabled or not, with a payload of the trigger's
 * shape, and see its result, error and console output. Nothing is saved.
 */
export const testRunnerRoutes: FastifyPluginAsyncTypebox<TestRunnerOptions> = async (
  app,
  { hooks, runner, logger, dependencies },
) => {
  const testConfig: ManagementRouteConfig = { scope: 'update:hooks', errors: [404] }
  app.post(
    '/hooks/:id/test',
    {
      config: testConfig,
      schema: {
        summary: 'Run a hook with a test payload',
        tags: ['hooks'],
        params: Type.Object({ id: Type.String() }),
        body: TestHookBody,
      },
    },
    async (request) => {
      const hook = await hooks.get(request.params.id)
      // The payload is unknown until the trigger's own checks have run, inside runHook.
      const trigger = getTrigger(hook.triggerId as TriggerId) as unknown as TriggerDefinition<
        unknown,
        unknown,
        TriggerFailure
      >
      const secrets = await hooks.readSecrets(hook.id)
      const run = redactRun(
        await runHook({
          runner,
          trigger,
          hook: {
            id: hook.id,
            script: request.body.script ?? hook.script,
            dependencies: hook.dependencies,
          },
          secrets,
          payload: request.body.payload,
          logger: logger.child({ reqId: request.id, runner: true }),
          dependencies,
        }),
        secrets,
      )
      if (run.kind === 'invalid-payload') {
        throw new ApiError('InvalidBody', { message: run.message })
      }
      return runReport(run)
    },
  )

  const sampleConfig: ManagementRouteConfig = { scope: 'read:hooks', errors: [404] }
  app.get(
    '/hooks/triggers/:triggerId/sample-payload',
    {
      config: sampleConfig,
      schema: {
        summary: "The Runner's default payload of a trigger",
        tags: ['hooks'],
        params: Type.Object({
          triggerId: Type.Unsafe<TriggerId>({ type: 'string', enum: [...TRIGGER_IDS] }),
        }),
      },
    },
    async (request) => {
      const trigger = findTrigger(request.params.triggerId)
      if (trigger === undefined) throw new ApiError('NotFound')
      return trigger.samplePayload
    },
  )

  // issue 18.7: the dashboard asks before saving, and `openhooks import` reports before writing,
  // a script that does not compile (and so cannot be enabled); parsed, never run.
  app.post(
    '/hooks/triggers/:triggerId/syntax-check',
    {
      config: sampleConfig,
      schema: {
        summary: 'Check that a script compiles for a trigger (the compile check of enabling)',
        tags: ['hooks'],
        params: Type.Object({
          triggerId: Type.Unsafe<TriggerId>({ type: 'string', enum: [...TRIGGER_IDS] }),
        }),
        body: SyntaxCheckBody,
        response: { 200: SyntaxCheckResponse },
      },
    },
    async (request): Promise<SyntaxCheckResponse> => {
      if (findTrigger(request.params.triggerId) === undefined) throw new ApiError('NotFound')
      const error = scriptSyntaxError(request.body.script, request.params.triggerId)
      return error === undefined ? { compiles: true } : { compiles: false, ...error }
    },
  )
}
