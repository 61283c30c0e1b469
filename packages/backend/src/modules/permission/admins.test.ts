import { ConfigReader } from '@backstage/config';
import { readAdminRefs } from './admins';

const read = (admins: string[]) =>
  readAdminRefs(new ConfigReader({ aiPortal: { admins } }));

describe('readAdminRefs', () => {
  it('reads group and user refs, a bare name being a group, lower-cased', () => {
    expect(
      read(['group:default/AI-Admins', 'platform', 'user:default/Ada.Admin']),
    ).toEqual([
      'group:default/ai-admins',
      'group:default/platform',
      'user:default/ada.admin',
    ]);
    expect(readAdminRefs(new ConfigReader({}))).toEqual([]);
  });

  it('names the entry to fix', () => {
    expect(() => read(['group:default/ok', 'group:'])).toThrow(
      /^aiPortal\.admins\[1\] is not an entity ref/,
    );
    expect(() => read(['component:default/x'])).toThrow(
      'aiPortal.admins[0] must name a group or a user, not a component (component:default/x)',
    );
  });
});
