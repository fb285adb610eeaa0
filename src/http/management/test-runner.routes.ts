import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { MAX_SCRIPT_CHARS, TRIGGER_IDS, type TriggerId } from '../../hooks/hook.js'
import {
  checkScriptSyntax,
  samplePayload,
  testRunHook,
  type TestRunDeps,
} from '../../flows/test-run.js'
import type { ManagementRouteConfig } from './guard.js'
import { SyntaxCheckBody, SyntaxCheckResponse } from './schemas.js'

export type TestRunnerOptions = TestRunDeps

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
export const testRunnerRoutes: FastifyPluginAsyncTypebox<TestRunnerOptions> = async (app, deps) => {
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
    async (request) =>
      testRunHook(deps, {
        hookId: request.params.id,
        script: request.body.script,
        payload: request.body.payload,
        requestId: request.id,
      }),
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
    async (request) => samplePayload(request.params.triggerId),
  )

  // issue 18.7: the dashboard asks before saving, and `openhooks import` reports before writing,
  // a script that does not compile (and so cannot be enabled).
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
    async (request): Promise<SyntaxCheckResponse> =>
      checkScriptSyntax(request.params.triggerId, request.body.script),
  )
}
