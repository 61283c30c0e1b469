import { randomBytes } from 'node:crypto';
import { KeyEncryption } from './KeyEncryption';

const SECRET_A = `${'a'.repeat(16)}correct-horse-battery-staple`;
const SECRET_B = `base64:${randomBytes(32).toString('base64')}`;

describe('KeyEncryption', () => {
  it('round-trips with AES-256-GCM and a random IV per value', () => {
    const enc = KeyEncryption.fromConfig([{ id: 'k1', secret: SECRET_A }]);
    const raw = 'sk-fake-test-key-0001';
    const a = enc.encrypt(raw, 'user:default/jane.doe');
    const b = enc.encrypt(raw, 'user:default/jane.doe');
    expect(a.keyId).toBe('k1');
    expect(a.ciphertext).toMatch(/^v1\./);
    expect(a.ciphertext).not.toContain(raw);
    expect(
      Buffer.from(a.ciphertext.slice(3), 'base64').toString(),
    ).not.toContain('sk-');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(enc.decrypt(a, 'user:default/jane.doe')).toBe(raw);
    expect(enc.decrypt(b, 'user:default/jane.doe')).toBe(raw);
  });

  it("binds a ciphertext to its row: another employee's row does not decrypt it", () => {
    const enc = KeyEncryption.fromConfig([{ id: 'k1', secret: SECRET_A }]);
    const value = enc.encrypt('sk-secret', 'user:default/jane.doe');
    expect(() => enc.decrypt(value, 'user:default/john.smith')).toThrow(
      /wrong key or tampered data/,
    );
  });

  it('detects tampering and the wrong key', () => {
    const enc = KeyEncryption.fromConfig([{ id: 'k1', secret: SECRET_A }]);
    const value = enc.encrypt('sk-secret', 'u');
    const bytes = Buffer.from(value.ciphertext.slice(3), 'base64');
    bytes[bytes.length - 1] ^= 1;
    expect(() =>
      enc.decrypt(
        { ...value, ciphertext: `v1.${bytes.toString('base64')}` },
        'u',
      ),
    ).toThrow(/tampered/);

    const other = KeyEncryption.fromConfig([
      { id: 'k1', secret: 'z'.repeat(40) },
    ]);
    expect(() => other.decrypt(value, 'u')).toThrow(/wrong key/);
  });

  it('encrypts with the first key and decrypts with any configured key (rotation)', () => {
    const old = KeyEncryption.fromConfig([{ id: 'old', secret: SECRET_A }]);
    const value = old.encrypt('sk-secret', 'u');

    const rotated = KeyEncryption.fromConfig([
      { id: 'new', secret: SECRET_B },
      { id: 'old', secret: SECRET_A },
    ]);
    expect(rotated.activeKeyId).toBe('new');
    expect(rotated.decrypt(value, 'u')).toBe('sk-secret');
    const again = rotated.encrypt('sk-secret', 'u');
    expect(again.keyId).toBe('new');

    const newOnly = KeyEncryption.fromConfig([{ id: 'new', secret: SECRET_B }]);
    expect(newOnly.decrypt(again, 'u')).toBe('sk-secret');
    expect(() => newOnly.decrypt(value, 'u')).toThrow(
      "encryption key 'old' is not in aiTiles.encryption.keys",
    );
  });

  it('accepts raw 32-byte keys as base64: or hex:', () => {
    const hex = randomBytes(32).toString('hex');
    const enc = KeyEncryption.fromConfig([{ id: 'h', secret: `hex:${hex}` }]);
    expect(enc.decrypt(enc.encrypt('x', 'u'), 'u')).toBe('x');
  });

  it('rejects weak or malformed key config with the path of the value', () => {
    expect(() => KeyEncryption.fromConfig([])).toThrow(
      'aiTiles.encryption.keys must list at least one key',
    );
    expect(() =>
      KeyEncryption.fromConfig([
        { id: 'a', secret: SECRET_A },
        { id: 'b', secret: 'short' },
      ]),
    ).toThrow(
      /^aiTiles\.encryption\.keys\[1\]\.secret must be at least 32 characters/,
    );
    expect(() =>
      KeyEncryption.fromConfig([{ id: 'a', secret: 'base64:AAAA' }]),
    ).toThrow(
      'aiTiles.encryption.keys[0].secret: a base64: secret must decode to exactly 32 bytes (got 3)',
    );
    expect(() =>
      KeyEncryption.fromConfig([
        { id: 'a', secret: SECRET_A },
        { id: 'a', secret: SECRET_A },
      ]),
    ).toThrow("aiTiles.encryption.keys[1].id: duplicate key id 'a'");
    expect(() =>
      KeyEncryption.fromConfig([{ id: 'bad id', secret: SECRET_A }]),
    ).toThrow(/aiTiles\.encryption\.keys\[0\]\.id must be/);
  });
});
