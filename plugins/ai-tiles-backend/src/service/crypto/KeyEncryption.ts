import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
} from 'node:crypto';

/** One configured encryption key (`aiTiles.encryption.keys[i]`). */
export interface EncryptionKeyConfig {
  /** Stored next to each ciphertext so the right key can decrypt it. */
  id: string;
  /**
   * `base64:<32 bytes>` or `hex:<32 bytes>` is used as is; any other string
   * (at least 32 characters) is hashed with SHA-256 into the key.
   */
  secret: string;
}

/** A ciphertext with the id of the key that produced it. */
export interface EncryptedValue {
  keyId: string;
  /** `v1.` + base64(iv ‖ tag ‖ ciphertext). */
  ciphertext: string;
}

const VERSION = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MIN_SECRET_CHARS = 32;
const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

function deriveKey(secret: string, path: string): Buffer {
  const decoded = (encoding: 'base64' | 'hex', value: string) => {
    const key = Buffer.from(value, encoding);
    if (key.length !== 32) {
      throw new Error(
        `${path}.secret: a ${encoding}: secret must decode to exactly 32 bytes (got ${key.length})`,
      );
    }
    return key;
  };
  if (secret.startsWith('base64:')) return decoded('base64', secret.slice(7));
  if (secret.startsWith('hex:')) {
    const hex = secret.slice(4);
    if (!/^[0-9a-fA-F]*$/.test(hex)) {
      throw new Error(`${path}.secret: not a hex string`);
    }
    return decoded('hex', hex);
  }
  if (secret.length < MIN_SECRET_CHARS) {
    throw new Error(
      `${path}.secret must be at least ${MIN_SECRET_CHARS} characters (or base64:/hex: with 32 bytes), e.g. the output of \`openssl rand -base64 32\``,
    );
  }
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * AES-256-GCM for the stored virtual keys. The first configured key encrypts;
 * every configured key decrypts (rotation: add a key, re-encrypt, remove the
 * old one). Each ciphertext is bound to its row (`aad`, the user ref), so a
 * ciphertext copied onto another employee's row does not decrypt.
 */
export class KeyEncryption {
  private readonly keys: Map<string, Buffer>;
  readonly activeKeyId: string;

  static fromConfig(
    keys: EncryptionKeyConfig[],
    path = 'aiTiles.encryption.keys',
  ): KeyEncryption {
    if (keys.length === 0) {
      throw new Error(`${path} must list at least one key`);
    }
    const map = new Map<string, Buffer>();
    keys.forEach((key, index) => {
      const at = `${path}[${index}]`;
      if (typeof key.id !== 'string' || !ID_PATTERN.test(key.id)) {
        throw new Error(
          `${at}.id must be 1-64 characters of letters, digits, '.', '_' or '-'`,
        );
      }
      if (map.has(key.id)) {
        throw new Error(`${at}.id: duplicate key id '${key.id}'`);
      }
      if (typeof key.secret !== 'string') {
        throw new Error(`${at}.secret must be a string`);
      }
      map.set(key.id, deriveKey(key.secret, at));
    });
    return new KeyEncryption(map, keys[0].id);
  }

  private constructor(keys: Map<string, Buffer>, activeKeyId: string) {
    this.keys = keys;
    this.activeKeyId = activeKeyId;
  }

  /** Whether a ciphertext of this key id can be decrypted. */
  canDecrypt(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  encrypt(plaintext: string, aad: string): EncryptedValue {
    const key = this.keys.get(this.activeKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
    ]);
    const tag = cipher.getAuthTag();
    return {
      keyId: this.activeKeyId,
      ciphertext: VERSION + Buffer.concat([iv, tag, body]).toString('base64'),
    };
  }

  decrypt(value: EncryptedValue, aad: string): string {
    const key = this.keys.get(value.keyId);
    if (!key) {
      throw new Error(
        `Cannot decrypt a stored key: encryption key '${value.keyId}' is not in aiTiles.encryption.keys`,
      );
    }
    if (!value.ciphertext.startsWith(VERSION)) {
      throw new Error('Cannot decrypt a stored key: unknown format');
    }
    const raw = Buffer.from(value.ciphertext.slice(VERSION.length), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) {
      throw new Error('Cannot decrypt a stored key: truncated ciphertext');
    }
    const decipher = createDecipheriv(
      'aes-256-gcm',
      key,
      raw.subarray(0, IV_BYTES),
    );
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new Error(
        `Cannot decrypt a stored key with encryption key '${value.keyId}': wrong key or tampered data`,
      );
    }
  }
}
