import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { ENC_NEW, ENC_OLD } from '../__testUtils__/access';
import { KeyEncryption } from '../service/crypto/KeyEncryption';
import { KeyVault } from './KeyVault';
import { MIGRATIONS_TABLE, applyMigrations } from './migrations';
import { PolicyAcceptanceStore } from './PolicyAcceptanceStore';

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const JANE = 'user:default/jane.doe';
const FIELDS = {
  litellmUserId: JANE,
  keyAlias: 'ai-portal/user/default/jane.doe',
};

describe.each(databases.eachSupportedId())('KeyVault on %s', databaseId => {
  let knex: Knex;
  const vault = (keys = [ENC_OLD]) =>
    new KeyVault(
      knex,
      KeyEncryption.fromConfig(keys),
      mockServices.logger.mock(),
    );

  beforeEach(async () => {
    knex = await databases.init(databaseId);
    await applyMigrations(mockServices.database({ knex }));
  });

  it('runs its migrations up and down', async () => {
    await knex.migrate.rollback(
      {
        tableName: MIGRATIONS_TABLE,
        directory: resolvePackagePath(
          '@internal/plugin-ai-tiles-backend',
          'migrations',
        ),
      },
      true,
    );
    expect(await knex.schema.hasTable('ai_user_keys')).toBe(false);
    await applyMigrations(mockServices.database({ knex }));
    expect(await knex.schema.hasTable('ai_user_keys')).toBe(true);
    expect(await knex.schema.hasTable('ai_policy_acceptances')).toBe(true);
  });

  it('lets exactly one of many concurrent claims win', async () => {
    const v = vault();
    const now = new Date();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        v.claimNew(JANE, FIELDS, `claim-${i}`, now),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const row = await v.get(JANE);
    expect(row).toMatchObject({ status: 'pending', hasKey: false });
    expect(row!.claimId).toBe(`claim-${results.indexOf(true)}`);
  });

  it('lets a stale claim be taken over once, never a fresh one', async () => {
    const v = vault();
    const t0 = new Date(Date.now() - 60_000);
    expect(await v.claimNew(JANE, FIELDS, 'dead', t0)).toBe(true);
    const now = new Date();
    // Fresh by a 2-minute threshold: refused.
    expect(
      await v.stealStale(
        JANE,
        'dead',
        new Date(now.getTime() - 120_000),
        'x',
        now,
      ),
    ).toBe(false);
    const steals = await Promise.all(
      ['a', 'b', 'c'].map(id =>
        v.stealStale(JANE, 'dead', new Date(now.getTime() - 30_000), id, now),
      ),
    );
    expect(steals.filter(Boolean)).toHaveLength(1);

    // Only the current owner may store the key.
    const winner = ['a', 'b', 'c'][steals.indexOf(true)];
    const key = {
      rawKey: 'sk-raw-abcd',
      keyHash: 'h1',
      litellmUserId: JANE,
      rotated: false,
    };
    expect(await v.activate(JANE, 'dead', key, now)).toBeUndefined();
    expect(await v.activate(JANE, winner, key, now)).toMatchObject({
      status: 'active',
      keyHash: key.keyHash,
      hasKey: true,
    });
    const row = await v.get(JANE);
    expect(row).toMatchObject({
      status: 'active',
      keyHash: 'h1',
      keyLast4: 'abcd',
      hasKey: true,
    });
    expect(row!.claimId).toBeUndefined();
    expect(row!.createdAt.getTime()).toBe(t0.getTime());
    expect(await v.decrypt(JANE)).toBe('sk-raw-abcd');

    // Rotation claims need the hash the caller saw.
    expect(await v.claimActive(JANE, 'other', 'r1', now)).toBe(false);
    expect(await v.claimActive(JANE, 'h1', 'r2', now)).toBe(true);
    expect(await v.decrypt(JANE)).toBeUndefined(); // pending: not revealed
    await v.restoreActive(JANE, 'r2', now);
    expect(await v.decrypt(JANE)).toBe('sk-raw-abcd');
  });

  it('keeps bound values (key hash, encrypted key) out of its errors', async () => {
    const v = vault();
    const now = new Date();
    expect(await v.claimNew(JANE, FIELDS, 'mine', now)).toBe(true);
    const keyHash = 'c0ffee'.repeat(10);
    // The write fails in the driver: knex's own message would list the values.
    await knex.schema.dropTable('ai_user_keys');
    const error = await v
      .activate(
        JANE,
        'mine',
        { rawKey: 'sk-raw-wxyz', keyHash, litellmUserId: JANE, rotated: false },
        now,
      )
      .then(
        () => undefined,
        e => e as Error,
      );
    expect(error?.message).toMatch(
      /^Storing the new key of user:default\/jane\.doe in the key vault failed/,
    );
    expect(error?.message).not.toContain(keyHash);
    expect(error?.message).not.toContain('wxyz');
    expect(error?.message).not.toContain('encrypted_key');
  });

  it('re-encrypts old rows with the active key; old rows decrypt until then', async () => {
    const old = vault([ENC_OLD]);
    const now = new Date();
    for (const [i, ref] of [
      'user:default/a',
      'user:default/b',
      'user:default/c',
    ].entries()) {
      await old.claimNew(
        ref,
        { litellmUserId: ref, keyAlias: `alias-${i}` },
        `c${i}`,
        now,
      );
      await old.activate(
        ref,
        `c${i}`,
        {
          rawKey: `sk-key-${i}`,
          keyHash: `h${i}`,
          litellmUserId: ref,
          rotated: false,
        },
        now,
      );
    }
    const both = vault([ENC_NEW, ENC_OLD]);
    expect(await both.decrypt('user:default/b')).toBe('sk-key-1');

    expect(await both.reencryptAll({ batchSize: 2 })).toEqual({
      reencrypted: 3,
      undecryptable: 0,
    });
    const ids = await knex('ai_user_keys').pluck('encryption_key_id');
    expect(ids).toEqual(['k-2026-11', 'k-2026-11', 'k-2026-11']);
    expect(await both.reencryptAll()).toEqual({
      reencrypted: 0,
      undecryptable: 0,
    });

    const newOnly = vault([ENC_NEW]);
    expect(await newOnly.decrypt('user:default/c')).toBe('sk-key-2');
    await expect(old.decrypt('user:default/c')).rejects.toThrow(
      "encryption key 'k-2026-11' is not in aiTiles.encryption.keys",
    );
  });

  it('records policy acceptances once per version, latest first', async () => {
    const store = new PolicyAcceptanceStore(knex);
    const recorded = [
      await store.accept(JANE, '1', new Date('2026-01-01T00:00:00Z')),
      await store.accept(JANE, '1', new Date('2026-02-01T00:00:00Z')),
      await store.accept(JANE, '2', new Date('2026-03-01T00:00:00Z')),
    ];
    expect(recorded).toEqual([true, false, true]);
    expect(await store.list(JANE)).toEqual([
      { version: '2', acceptedAt: new Date('2026-03-01T00:00:00Z') },
      { version: '1', acceptedAt: new Date('2026-01-01T00:00:00Z') },
    ]);
    expect(await store.list('user:default/other')).toEqual([]);
  });
});
