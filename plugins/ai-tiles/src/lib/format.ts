import { parseEntityRef } from '@backstage/catalog-model';

/**
 * A short, readable owner: `group:default/legal` → `legal`,
 * `group:finance/controlling` → `finance/controlling`.
 */
export function humanizeOwner(owner: string): string {
  if (!owner) {
    return '';
  }
  try {
    const ref = parseEntityRef(owner, {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
    return ref.namespace.toLocaleLowerCase('en-US') === 'default'
      ? ref.name
      : `${ref.namespace}/${ref.name}`;
  } catch {
    return owner;
  }
}
