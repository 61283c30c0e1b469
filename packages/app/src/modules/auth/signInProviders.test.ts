import { mockApis } from '@backstage/frontend-test-utils';
import { selectSignInProviders } from './signInProviders';

const select = (data: object) =>
  selectSignInProviders(mockApis.config({ data: data as any }));

describe('selectSignInProviders', () => {
  it('uses aiPortal.signIn.providers when set', () => {
    expect(
      select({
        aiPortal: { signIn: { providers: ['oidc'] } },
        auth: { providers: { guest: {} } },
      }),
    ).toEqual(['oidc']);
    expect(
      select({
        aiPortal: { signIn: { providers: ['OIDC', 'guest', 'oidc'] } },
      }),
    ).toEqual(['oidc', 'guest']);
  });

  it('ignores unknown names and falls back when nothing known is left', () => {
    expect(
      select({
        aiPortal: { signIn: { providers: ['github'] } },
        auth: { environment: 'production' },
      }),
    ).toEqual(['oidc']);
  });

  it('offers only SSO in production, even with guest configured', () => {
    expect(
      select({
        auth: {
          environment: 'production',
          providers: { guest: {}, oidc: {} },
        },
      }),
    ).toEqual(['oidc']);
    expect(select({ auth: { environment: 'production' } })).toEqual(['oidc']);
  });

  it('offers guest in development, plus SSO when oidc is visible', () => {
    expect(select({ auth: { providers: { guest: {} } } })).toEqual(['guest']);
    expect(select({ auth: { providers: { guest: {}, oidc: {} } } })).toEqual([
      'guest',
      'oidc',
    ]);
    expect(select({ auth: { environment: 'development' } })).toEqual(['guest']);
  });

  it('defaults to guest', () => {
    expect(select({})).toEqual(['guest']);
  });
});
