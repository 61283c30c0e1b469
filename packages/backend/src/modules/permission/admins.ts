import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';

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
    let ref;
    try {
      ref = parseEntityRef(entry.trim(), {
        defaultKind: 'group',
        defaultNamespace: 'default',
      });
    } catch (error) {
      throw new Error(
        `${ADMINS_CONFIG_KEY}[${index}] is not an entity ref: ${
          (error as Error).message
        }`,
      );
    }
    const kind = ref.kind.toLocaleLowerCase('en-US');
    if (kind !== 'group' && kind !== 'user') {
      throw new Error(
        `${ADMINS_CONFIG_KEY}[${index}] must name a group or a user, not a ${ref.kind} (${entry})`,
      );
    }
    return stringifyEntityRef(ref).toLocaleLowerCase('en-US');
  });
}
