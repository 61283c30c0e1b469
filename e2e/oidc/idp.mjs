// A real OpenID Connect provider for the sign-in e2e test (oidc-provider v9).
// Test tool only: started by harness.ts on 127.0.0.1, never used in production.
//
// Environment (all required):
//   IDP_PORT            port to listen on (127.0.0.1)
//   IDP_CLIENT_ID       client id of the portal
//   IDP_CLIENT_SECRET   client secret of the portal
//   IDP_REDIRECT_URI    the portal's callback (…/api/auth/oidc/handler/frame)
//   IDP_ACCOUNTS        JSON [{ email, password, name }]
// The harness preloads scripts/exit-with-parent.cjs, so it ends with the run.
//
// Prints one line `OIDC_IDP_READY {"issuer": …}` on stdout when listening.
// Login is a minimal form (labels "E-mail", "Password", button "Sign in")
// that checks the password; consent is granted without a page, as company
// IdPs do for first-party apps.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`idp: missing environment variable ${name}`);
    process.exit(2);
  }
  return value;
}

const port = Number(required('IDP_PORT'));
const clientId = required('IDP_CLIENT_ID');
const clientSecret = required('IDP_CLIENT_SECRET');
const redirectUri = required('IDP_REDIRECT_URI');
const accountList = JSON.parse(required('IDP_ACCOUNTS'));
const issuer = `http://127.0.0.1:${port}`;

const accountsById = new Map();
const accountsByLogin = new Map();
for (const account of accountList) {
  const id = crypto
    .createHash('sha256')
    .update(account.email.toLowerCase())
    .digest('hex')
    .slice(0, 24);
  accountsById.set(id, { id, ...account });
  accountsByLogin.set(account.email.toLowerCase(), { id, ...account });
}

const { privateKey } = crypto.generateKeyPairSync('rsa', {
  modulusLength: 2048,
});
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: 'e2e-signing-key',
  alg: 'RS256',
  use: 'sig',
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  features: { devInteractions: { enabled: false } },
  interactions: {
    url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  // Backstage keeps the session with the refresh token; issue one without
  // requiring offline_access (as many company IdPs do).
  issueRefreshToken: async (_ctx, client) =>
    client.grantTypeAllowed('refresh_token'),
  async findAccount(_ctx, sub) {
    const account = accountsById.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: account.email,
          email_verified: true,
          name: account.name,
        };
      },
    };
  },
});

const escapeHtml = s =>
  String(s).replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);

function loginPage(uid, error, login = '') {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Example Company sign-in (test IdP)</title></head>
<body>
  <h1>Example Company sign-in</h1>
  <p>Test identity provider of the AI portal e2e test.</p>
  ${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
  <form method="post" action="/interaction/${escapeHtml(uid)}/login">
    <label>E-mail <input name="login" type="email" autocomplete="username" value="${escapeHtml(
      login,
    )}" required autofocus></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
    <button type="submit">Sign in</button>
  </form>
</body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function send(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(html);
}

async function grantConsent(req, res, details) {
  const {
    prompt: { details: missing },
    params,
    session,
  } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({
        accountId: session.accountId,
        clientId: params.client_id,
      });
  if (missing.missingOIDCScope) {
    grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  }
  if (missing.missingOIDCClaims) {
    grant.addOIDCClaims(missing.missingOIDCClaims);
  }
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(
      missing.missingResourceScopes,
    )) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { consent: details.grantId ? {} : { grantId } },
    { mergeWithLastSubmission: true },
  );
}

async function handleInteraction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, 'interaction mismatch');
    return;
  }
  if (action === 'login' && req.method === 'POST') {
    const form = await readForm(req);
    const login = (form.get('login') ?? '').trim();
    const account = accountsByLogin.get(login.toLowerCase());
    if (!account || account.password !== form.get('password')) {
      console.log(`idp: failed login for ${login}`);
      send(res, 200, loginPage(uid, 'Wrong e-mail or password', login));
      return;
    }
    console.log(`idp: ${login} signed in`);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.id } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (details.prompt.name === 'login') {
    send(res, 200, loginPage(uid));
    return;
  }
  if (details.prompt.name === 'consent') {
    await grantConsent(req, res, details);
    return;
  }
  send(res, 400, `unsupported prompt ${escapeHtml(details.prompt.name)}`);
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const { pathname } = new URL(req.url ?? '/', issuer);
  const match = pathname.match(/^\/interaction\/([\w-]+)(?:\/(login))?$/);
  if (!match) {
    callback(req, res);
    return;
  }
  handleInteraction(req, res, match[1], match[2]).catch(error => {
    console.error('idp: interaction failed', error);
    if (!res.headersSent) send(res, 500, 'interaction failed');
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`OIDC_IDP_READY ${JSON.stringify({ issuer })}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections?.();
    process.exit(0);
  });
}
