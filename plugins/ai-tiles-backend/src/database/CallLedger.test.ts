import { mockServices } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import { resolve } from 'node:path';
import { CallLedger, LedgerEntry } from './CallLedger';
import { MIGRATIONS_TABLE } from './migrations';

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
});
