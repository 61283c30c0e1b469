import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

/**
 * An entity ref written in config (`group:default/employees`, or a bare
 * name meaning `<defaultKind>:default/<name>`): its kind as written and the
 * lower-case ref the portal compares with. Throws `parseEntityRef`'s error
 * when it is not a ref; callers name the config entry.
 *
 * @public
 */
export function parseConfigEntityRef(
  value: string,
  defaultKind: string,
): { kind: string; ref: string } {
  const ref = parseEntityRef(value.trim(), {
    defaultKind,
    defaultNamespace: 'default',
  });
  return {
    kind: ref.kind,
    ref: stringifyEntityRef(ref).toLocaleLowerCase('en-US'),
  };
}
