import { screen } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { AiPortalSignInPage } from './SignInPage';
import { oidcAuthApiRef } from './oidcAuthApi';

const oidcAuth = {
  getBackstageIdentity: jest.fn(async () => undefined),
  getProfile: jest.fn(async () => undefined),
  getIdToken: jest.fn(async () => ''),
  signIn: jest.fn(),
  signOut: jest.fn(),
  sessionState$: jest.fn(),
} as any;

describe('AiPortalSignInPage', () => {
  it('offers only company SSO in production', async () => {
    renderInTestApp(<AiPortalSignInPage onSignInSuccess={jest.fn()} />, {
      config: {
        app: { title: 'AI Portal' },
        backend: { baseUrl: 'http://localhost:7007' },
        auth: { environment: 'production' },
      },
      apis: [[oidcAuthApiRef, oidcAuth]],
    });
    expect(await screen.findByText('Company SSO')).toBeInTheDocument();
    expect(screen.queryByText('Guest')).not.toBeInTheDocument();
  });

  it('offers guest in development', async () => {
    renderInTestApp(<AiPortalSignInPage onSignInSuccess={jest.fn()} />, {
      config: {
        app: { title: 'AI Portal' },
        backend: { baseUrl: 'http://localhost:7007' },
        auth: { providers: { guest: {} } },
      },
      apis: [[oidcAuthApiRef, oidcAuth]],
    });
    expect(await screen.findByText('Guest')).toBeInTheDocument();
    expect(screen.queryByText('Company SSO')).not.toBeInTheDocument();
  });
});
