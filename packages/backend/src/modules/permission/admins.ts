import { Config } from '@backstage/config';
import { parseConfigEntityRef } from '@internal/plugin-ai-tiles-common';

export const ADMINS_CONFIG_KEY = 'aiPortal.admins';

/**
 * The AI portal's administrators: `aiPortal.admins`, group or user entity
 * refs (a bare name means `group:default/<name>`), lower-cased. Membership
 * counts as the sign-in token states it (the user and their groups). Invalid
 * entries stop the backend at startup, naming the entry.
 */
export function readAdminRefs(config: Config): string[] {
  const entries = config.getOptionalStringArray(ADMINS_CONFIG_KEY) ?? [];
  return entries.map((entry, index) => {
    let parsed;
    try {
      parsed = parseConfigEntityRef(entry, 'group');
    } catch (error) {
      throw new Error(
        `${ADMINS_CONFIG_KEY}[${index}] is not an entity ref: ${
          (error as Error).message
        }`,
      );
    }
    const kind = parsed.kind.toLocaleLowerCase('en-US');
    if (kind !== 'group' && kind !== 'user') {
      throw new Error(
        `${ADMINS_CONFIG_KEY}[${index}] must name a group or a user, not a ${parsed.kind} (${entry})`,
      );
    }
    return parsed.ref;
  });
}
