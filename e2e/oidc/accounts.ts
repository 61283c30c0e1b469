/**
 * Accounts of the test OpenID provider (idp.mjs), shared by the harness and
 * the tests. Test-only credentials for a provider that listens on 127.0.0.1
 * for the duration of the test run.
 */
export interface IdpAccount {
  /** The `email` claim, as the company IdP would send it. */
  email: string;
  password: string;
  name: string;
}

export const accounts = {
  /** In catalog/org.yaml, member of legal ⊂ employees: admitted. Mixed case on purpose. */
  jane: {
    email: 'Jane.Doe@Example.com',
    password: 'jane-test-password',
    name: 'Jane Doe',
  },
  /** In catalog/org.yaml, member of contractors only: refused. */
  carl: {
    email: 'carl.contractor@example.com',
    password: 'carl-test-password',
    name: 'Carl Contractor',
  },
  /** Not in the catalog at all: refused. */
  nobody: {
    email: 'nobody@example.com',
    password: 'nobody-test-password',
    name: 'No Body',
  },
} satisfies Record<string, IdpAccount>;

export const OIDC_CLIENT_ID = 'ai-portal';

/** The budget the portal gives `catalog/org.yaml`'s legal group here (jane.doe is in it). */
export const LEGAL_BUDGET = 35;
