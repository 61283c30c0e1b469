import { Config } from '@backstage/config';
import { parseConfigEntityRef } from '@internal/plugin-ai-tiles-common';

/** The config key that lists the groups admitted to the AI portal. */
export const ALLOWED_GROUPS_CONFIG_KEY = 'aiPortal.signIn.allowedGroups';

/**
 * Who may sign in to the AI portal.
 *
 * `allowedGroups` holds normalised, lower-case group entity refs
 * (`group:default/employees`). An empty list means every employee that has a
 * catalog User entity is admitted.
 */
export interface SignInPolicy {
  allowedGroups: string[];
}

/**
 * Reads and validates `aiPortal.signIn.allowedGroups`.
 *
 * Throws at startup, naming the config key, when an entry is not a group
 * entity ref, so a typo never silently locks everybody out (or in).
 */
export function readSignInPolicy(config: Config): SignInPolicy {
  // getOptionalStringArray already throws a config error naming the key when
  // the value is not a list of strings.
  const raw = config.getOptionalStringArray(ALLOWED_GROUPS_CONFIG_KEY) ?? [];

  const allowedGroups = raw.map((value, index) => {
    const where = `${ALLOWED_GROUPS_CONFIG_KEY}[${index}]`;
    const trimmed = value.trim();
    if (!trimmed) {
      throw new Error(
        `Invalid config at ${where}: empty value, expected a group entity ref such as 'group:default/employees'`,
      );
    }
    let parsed;
    try {
      parsed = parseConfigEntityRef(value, 'group');
    } catch (error) {
      throw new Error(
        `Invalid config at ${where}: '${value}' is not a valid entity ref, expected a group entity ref such as 'group:default/employees'`,
      );
    }
    if (parsed.kind.toLocaleLowerCase('en-US') !== 'group') {
      throw new Error(
        `Invalid config at ${where}: '${value}' refers to a ${parsed.kind}, expected a group entity ref such as 'group:default/employees'`,
      );
    }
    return parsed.ref;
  });

  return { allowedGroups: Array.from(new Set(allowedGroups)) };
}
