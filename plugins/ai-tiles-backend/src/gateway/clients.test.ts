import { ClientAuthenticator } from './clients';
import { GatewayClient } from './config';

const client = (id: string, token: string): GatewayClient => ({
  id,
  kind: 'openwebui',
  token,
  entityRef: 'component:default/open-chat',
});

describe('ClientAuthenticator', () => {
  const auth = new ClientAuthenticator([
    client('a', 'a'.repeat(40)),
    client('b', 'b'.repeat(40)),
  ]);

  it('recognises each client by its bearer token', () => {
    expect(
      auth.authenticate({ authorization: `Bearer ${'b'.repeat(40)}` })?.id,
    ).toBe('b');
    expect(
      auth.authenticate({ authorization: `bearer ${'a'.repeat(40)}` })?.id,
    ).toBe('a');
  });

  it.each([
    [undefined],
    [''],
    ['Bearer'],
    [`Basic ${'a'.repeat(40)}`],
    [`Bearer ${'a'.repeat(39)}`],
    [`Bearer ${'a'.repeat(40)}x`],
  ])('refuses %p', header => {
    expect(auth.authenticate({ authorization: header })).toBeUndefined();
  });
});
