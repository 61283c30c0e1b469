import { ConfigReader } from '@backstage/config';
import { readAccessConfig } from './accessConfig';

const read = (aiTiles: object) =>
  readAccessConfig(new ConfigReader({ aiTiles }));

const KEYS = [{ id: 'k1', secret: 'x'.repeat(40) }];
const LITELLM = { baseUrl: 'http://litellm:4000', masterKey: 'sk-master' };

describe('readAccessConfig', () => {
  it('reports every missing key when nothing is configured', () => {
    expect(read({})).toEqual({
      configured: false,
      missingConfig: [
        'aiTiles.litellm.baseUrl',
        'aiTiles.litellm.masterKey',
        'aiTiles.encryption.keys',
        'aiTiles.budgets.default',
      ],
    });
  });

  it('reads a full configuration with defaults', () => {
    expect(
      read({
        litellm: LITELLM,
        encryption: { keys: KEYS },
        budgets: {
          default: 25,
          ceiling: 500,
          groups: [{ group: 'group:default/Legal', maxBudget: 100 }],
          users: [{ user: 'jane.doe', maxBudget: '200' }],
        },
      }),
    ).toEqual({
      configured: true,
      litellm: {
        baseUrl: 'http://litellm:4000',
        masterKey: 'sk-master',
        publicUrl: 'http://litellm:4000',
        timeoutMs: 10000,
        retries: 2,
      },
      encryptionKeys: KEYS,
      budgets: {
        default: 25,
        duration: '1mo',
        ceiling: 500,
        groups: [{ group: 'group:default/legal', maxBudget: 100 }],
        users: [{ user: 'user:default/jane.doe', maxBudget: 200 }],
      },
    });
  });

  it('rejects budgets that are negative, not numbers or above the ceiling, naming the path', () => {
    const base = { litellm: LITELLM, encryption: { keys: KEYS } };
    expect(() => read({ ...base, budgets: { default: -1 } })).toThrow(
      'aiTiles.budgets.default must be a number ≥ 0',
    );
    expect(() => read({ ...base, budgets: { default: 'fifty' } })).toThrow(
      'aiTiles.budgets.default must be a number ≥ 0',
    );
    expect(() =>
      read({
        ...base,
        budgets: {
          default: 10,
          ceiling: 500,
          groups: [
            { group: 'group:default/a', maxBudget: 10 },
            { group: 'group:default/b', maxBudget: 501 },
          ],
        },
      }),
    ).toThrow(
      'aiTiles.budgets.groups[1].maxBudget must be a number ≥ 0 and ≤ aiTiles.budgets.ceiling (500)',
    );
    expect(() =>
      read({
        ...base,
        budgets: {
          default: 10,
          users: [{ user: 'user:default/x', maxBudget: -5 }],
        },
      }),
    ).toThrow('aiTiles.budgets.users[0].maxBudget must be a number ≥ 0');
    expect(() =>
      read({ ...base, budgets: { default: 600, ceiling: 500 } }),
    ).toThrow(
      'aiTiles.budgets.default must be a number ≥ 0 and ≤ aiTiles.budgets.ceiling (500)',
    );
    expect(() =>
      read({ ...base, budgets: { default: 10, ceiling: -1 } }),
    ).toThrow('aiTiles.budgets.ceiling must be a number ≥ 0');
    expect(() =>
      read({
        ...base,
        budgets: {
          default: 10,
          groups: [{ group: 'user:default/x', maxBudget: 1 }],
        },
      }),
    ).toThrow(
      /aiTiles\.budgets\.groups\[0\]\.group must be a group entity ref/,
    );
    expect(() =>
      read({ ...base, budgets: { default: 10, duration: '2mo' } }),
    ).toThrow('aiTiles.budgets.duration: LiteLLM supports only 1mo');
    expect(() =>
      read({ ...base, budgets: { default: 10, duration: 'monthly' } }),
    ).toThrow(/aiTiles\.budgets\.duration must be/);
  });

  it('requires encryption keys and a default budget once LiteLLM is configured', () => {
    expect(() => read({ litellm: LITELLM, budgets: { default: 10 } })).toThrow(
      /^aiTiles\.encryption\.keys is required when aiTiles\.litellm is configured/,
    );
    expect(() =>
      read({ litellm: LITELLM, encryption: { keys: KEYS } }),
    ).toThrow(/^aiTiles\.budgets\.default is required/);
  });

  it('refuses an aiTiles.litellm block without its base URL', () => {
    // e.g. `baseUrl: ${LITELLM_URL}` with the variable unset.
    for (const litellm of [{ masterKey: 'sk-master' }, { baseUrl: '' }]) {
      expect(() =>
        read({ litellm, encryption: { keys: KEYS }, budgets: { default: 1 } }),
      ).toThrow(
        /^aiTiles\.litellm\.baseUrl is required when aiTiles\.litellm is present/,
      );
    }
  });

  it('starts without the master key (named on use)', () => {
    const config = read({
      litellm: { baseUrl: 'http://litellm:4000/' },
      encryption: { keys: KEYS },
      budgets: { default: 10 },
    });
    expect(config).toMatchObject({
      configured: true,
      litellm: { baseUrl: 'http://litellm:4000', masterKey: undefined },
    });
  });

  it('validates the URLs and the numbers of aiTiles.litellm', () => {
    const base = { encryption: { keys: KEYS }, budgets: { default: 1 } };
    expect(() =>
      read({ ...base, litellm: { baseUrl: 'litellm:4000' } }),
    ).toThrow('aiTiles.litellm.baseUrl must be an absolute http(s) URL');
    expect(() =>
      read({ ...base, litellm: { ...LITELLM, timeoutMs: 0 } }),
    ).toThrow('aiTiles.litellm.timeoutMs must be an integer from 1 to 600000');
    expect(
      read({
        ...base,
        litellm: {
          ...LITELLM,
          publicUrl: 'https://llm.example.com/v1',
          retries: 0,
        },
      }),
    ).toMatchObject({
      litellm: { publicUrl: 'https://llm.example.com/v1', retries: 0 },
    });
  });
});
