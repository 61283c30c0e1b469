import { ConfigReader } from '@backstage/config';
import { policyPageUrl } from './policy';

describe('policyPageUrl', () => {
  it('is the policy page under app.baseUrl unless configured', () => {
    expect(
      policyPageUrl(
        new ConfigReader({ app: { baseUrl: 'https://portal.example.com/' } }),
      ),
    ).toBe('https://portal.example.com/ai/policy');
    expect(
      policyPageUrl(
        new ConfigReader({
          app: { baseUrl: 'https://portal.example.com' },
          aiTiles: {
            policy: { pageUrl: 'https://portal.example.com/rules/ai' },
          },
        }),
      ),
    ).toBe('https://portal.example.com/rules/ai');
  });

  it('refuses a URL that is not absolute http(s)', () => {
    // eslint-disable-next-line no-script-url -- the attack under test
    for (const pageUrl of ['/ai/policy', 'javascript:alert(1)']) {
      expect(() =>
        policyPageUrl(new ConfigReader({ aiTiles: { policy: { pageUrl } } })),
      ).toThrow('aiTiles.policy.pageUrl must be an absolute http(s) URL');
    }
  });
});
