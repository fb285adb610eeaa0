/**
 * What a hook may declare in `dependencies` (issue 9). These patterns are also in the Management
 * API's body schema, so that a bad name or version gets the usual validation message.
 */

/** npm's rules for package names (lower case, optional scope), without a leading `.`, `_` or `-`. */
export const PACKAGE_NAME_PATTERN = '^(?:@[a-z0-9~][a-z0-9._~-]*/)?[a-z0-9~][a-z0-9._~-]*$'

/**
 * Versions and ranges: semver characters and dist-tags only. No `:` or `/`, so no URLs, git or
 * `file:` specs (which would fetch from outside the registry or read the server's disk).
 */
export const VERSION_SPEC_PATTERN = '^[0-9A-Za-z~^<>=*|.+ -]+$'
