import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import { resolve } from 'node:path';
import { CallLedger, LedgerEntry } from './CallLedger';
import { MIGRATIONS_TABLE, applyMigrations } from './migrations';

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const entry = (i: number): LedgerEntry => ({
  createdAt: new Date(1_700_000_000_000 + i),
  userRef: 'user:default/jane.doe',
  chargedRef: 'user:default/jane.doe',
  chargedTo: 'employee',
  appRef: 'component:default/open-chat',
  clientId: 'open-webui',
  channel: 'openwebui',
  route: 'chat/completions',
  model: 'gpt-4o-mini',
  stream: i % 2 === 0,
  promptTokens: 10,
  completionTokens: i,
  cost: i / 1000,
  costSource: 'header',
  status: 200,
  latencyMs: 3.4,
  requestId: `chatcmpl-${i}`,
});

describe('CallLedger', () => {
  let knex: Knex;
  const migrate = () =>
    knex.migrate.latest({
      directory: resolve(__dirname, '../../migrations'),
      tableName: MIGRATIONS_TABLE,
    });

  beforeEach(() => {
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
  });
  afterEach(() => knex.destroy());

  it('writes calls in batches, more than one statement can hold', async () => {
    await migrate();
    const ledger = new CallLedger(knex, mockServices.logger.mock(), {
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 1234; i++) ledger.record(entry(i));
    await ledger.flush();
    const rows = await knex('ai_gateway_calls').orderBy('id');
    expect(rows).toHaveLength(1234);
    expect(rows[7]).toMatchObject({
      user_ref: 'user:default/jane.doe',
      completion_tokens: 7,
      cost: 0.007,
      request_id: 'chatcmpl-7',
      latency_ms: 3,
    });
  });

  it('keeps the rows while the database fails and writes them later', async () => {
    const logger = mockServices.logger.mock();
    const ledger = new CallLedger(knex, logger, { flushIntervalMs: 60_000 });
    ledger.record(entry(1));
    ledger.record(entry(2));
    await ledger.flush(); // no table yet
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining('could not write 2 rows, retrying later'),
    );
    await migrate();
    await ledger.flush();
    expect(await knex('ai_gateway_calls').count({ n: '*' })).toEqual([
      { n: 2 },
    ]);
  });

  it('tries again on its timer after a failure, not on every new call', async () => {
    const logger = mockServices.logger.mock();
    const ledger = new CallLedger(knex, logger, {
      flushIntervalMs: 60_000,
      maxBatch: 2,
    });
    ledger.record(entry(1));
    ledger.record(entry(2)); // a full batch: written at once, and fails (no table)
    await ledger.flush();
    expect(logger.error).toHaveBeenCalledTimes(1);
    for (let i = 3; i < 20; i++) ledger.record(entry(i));
    await new Promise(r => setTimeout(r, 50));
    expect(logger.error).toHaveBeenCalledTimes(1);
    await migrate();
    await ledger.flush();
    expect(await knex('ai_gateway_calls').count({ n: '*' })).toEqual([
      { n: 19 },
    ]);
  });

  it('drops the oldest unwritten rows past maxPending, never rows being written', async () => {
    await migrate();
    const logger = mockServices.logger.mock();
    let release!: () => void;
    const gate = new Promise<void>(r => {
      release = r;
    });
    // The first statement waits until the test lets it go.
    const slow = {
      raw: async (sql: string, bindings: Knex.RawBinding[]) => {
        await gate;
        return knex.raw(sql, bindings);
      },
    } as unknown as Knex;
    const ledger = new CallLedger(slow, logger, {
      flushIntervalMs: 60_000,
      maxBatch: 2,
      maxPending: 3,
    });
    ledger.record(entry(0));
    ledger.record(entry(1)); // taken for writing
    for (let i = 2; i < 6; i++) ledger.record(entry(i)); // 2 is dropped
    release();
    await ledger.flush();
    const rows = await knex('ai_gateway_calls').orderBy('id');
    expect(rows.map(r => r.request_id)).toEqual(
      [0, 1, 3, 4, 5].map(i => `chatcmpl-${i}`),
    );
    expect(logger.error).toHaveBeenCalledWith(
      'AI gateway ledger: the database is not keeping up; dropped 1 unwritten rows',
    );
  });
});

describe.each(databases.eachSupportedId())('CallLedger on %s', databaseId => {
  let knex: Knex;
  beforeEach(async () => {
    knex = await databases.init(databaseId);
    await applyMigrations(mockServices.database({ knex }));
  });

  it('drops only a row the database refuses, and writes the others', async () => {
    const logger = mockServices.logger.mock();
    const ledger = new CallLedger(knex, logger, { flushIntervalMs: 60_000 });
    ledger.record(entry(1));
    ledger.record({ ...entry(2), status: NaN }); // no database takes it
    ledger.record(entry(3));
    await ledger.flush();
    const rows = await knex('ai_gateway_calls').orderBy('id');
    expect(rows.map(r => r.request_id)).toEqual(['chatcmpl-1', 'chatcmpl-3']);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringMatching(
        /^AI gateway ledger: dropped 1 rows the database refuses: .{5,300}$/,
      ),
    );
    // Later rows are not held up by it.
    ledger.record(entry(4));
    await ledger.flush();
    expect(
      (await knex('ai_gateway_calls').orderBy('id')).map(r => r.request_id),
    ).toEqual(['chatcmpl-1', 'chatcmpl-3', 'chatcmpl-4']);
  });

  it('stores text from callers and LiteLLM as its columns hold it', async () => {
    const ledger = new CallLedger(knex, mockServices.logger.mock(), {
      flushIntervalMs: 60_000,
    });
    ledger.record({
      ...entry(1),
      // A NUL (refused by Postgres in text) and more than the column holds.
      model: `gpt\u0000-4o${'m'.repeat(300)}`,
      errorType: 'x'.repeat(100),
    });
    await ledger.flush();
    const [row] = await knex('ai_gateway_calls');
    expect(row.model).toBe(`gpt-4o${'m'.repeat(248)}`);
    expect(row.error_type).toBe('x'.repeat(64));
  });
});
