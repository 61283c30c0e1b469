import { ConfigReader } from '@backstage/config';
import { readSignInPolicy } from './signInPolicy';

const policyOf = (allowedGroups?: unknown) =>
  readSignInPolicy(
    new ConfigReader(
      allowedGroups === undefined
        ? {}
        : { aiPortal: { signIn: { allowedGroups } } },
    ),
  );

describe('readSignInPolicy', () => {
  it('normalises group refs', () => {
    expect(
      policyOf(['group:default/Employees', 'ai-admins', 'group:ops/Team']),
    ).toEqual({
      allowedGroups: [
        'group:default/employees',
        'group:default/ai-admins',
        'group:ops/team',
      ],
    });
  });

  it('treats a missing or empty list as "everyone in the catalog"', () => {
    expect(policyOf()).toEqual({ allowedGroups: [] });
    expect(policyOf([])).toEqual({ allowedGroups: [] });
  });

  it.each([
    [
      ['user:default/jane.doe'],
      /aiPortal\.signIn\.allowedGroups\[0\].*refers to a user/,
    ],
    [
      ['group:default/employees', ''],
      /aiPortal\.signIn\.allowedGroups\[1\].*empty/,
    ],
    [
      ['group:'],
      /aiPortal\.signIn\.allowedGroups\[0\].*not a valid entity ref/,
    ],
    ['group:default/employees', /aiPortal\.signIn\.allowedGroups/],
    [[42], /aiPortal\.signIn\.allowedGroups/],
  ])('rejects %j', (value, message) => {
    expect(() => policyOf(value)).toThrow(message);
  });
});
