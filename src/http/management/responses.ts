import type { HookRecord } from '../../storage/store.js'
import type { HookResponse } from './schemas.js'

const WRITE_ORDER = ['id', 'name', 'script', 'dependencies', 'triggerId', 'enabled'] as const
const READ_ORDER = ['id', 'name', 'script', 'dependencies', 'enabled', 'triggerId'] as const

/**
 * The wire form of a hook. Key order follows what Auth0 sent (compat §2.3): POST and PATCH put
 * `triggerId` before `enabled`, GET after it. Order has no meaning in JSON, but fixtures compare
 * bytes.
 */
export function toHookResponse(hook: HookRecord, order: 'write' | 'read'): HookResponse {
  const values: HookResponse = {
    id: hook.id,
    name: hook.name,
    script: hook.script,
    dependencies: { ...hook.dependencies },
    triggerId: hook.triggerId,
    enabled: hook.enabled,
  }
  const out: Record<string, unknown> = {}
  for (const key of order === 'write' ? WRITE_ORDER : READ_ORDER) out[key] = values[key]
  return out as HookResponse
}

/**
 * Applies `fields` and `include_fields` (compat §2.5 #1): with `include`, only the listed fields
 * stay; without, the listed fields go. An empty list keeps everything. Unknown names are ignored.
 */
export function selectFields<T extends object>(
  value: T,
  fields: string | undefined,
  include = true,
): Partial<T> {
  const wanted = new Set(
    (fields ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean),
  )
  if (wanted.size === 0) return value
  return Object.fromEntries(
    Object.entries(value).filter(([key]) => wanted.has(key) === include),
  ) as Partial<T>
}
