import { render, screen } from '@testing-library/react';
import App from './App';

describe('App', () => {
  it('starts the whole app on the portal sign-in page', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'AI Portal' },
            backend: { baseUrl: 'http://localhost:7007' },
            aiPortal: { signIn: { providers: ['oidc'] } },
            techdocs: {
              storageUrl: 'http://localhost:7007/api/techdocs/static/docs',
            },
          },
          context: 'test',
        },
      ] as any,
    };

    const rendered = render(App.createRoot());

    // The app's own sign-in page (modules/auth), offering what config says.
    expect(await screen.findByText('Company SSO')).toBeInTheDocument();
    expect(screen.queryByText('Guest')).not.toBeInTheDocument();
    rendered.unmount();
  });
});
