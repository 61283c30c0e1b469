import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

const TABLE = 'ai_gateway_calls';

/** One model call through the gateway. */
export interface LedgerEntry {
  createdAt: Date;
  /** The employee; undefined when unresolved (charged to the app). */
  userRef?: string;
  /** Owner of the LiteLLM key that was charged. */
  chargedRef: string;
  chargedTo: 'employee' | 'app';
  /** Why the app was charged (its service key): no identity, or an unknown one. */
  unresolvedReason?: 'no-identity' | 'unknown-employee';
  appRef: string;
  clientId: string;
  channel: 'openwebui' | 'dify';
  route: string;
  model?: string;
  stream: boolean;
  promptTokens?: number;
  completionTokens?: number;
  cost?: number;
  costSource: 'header' | 'usage' | 'none';
  status: number;
  errorType?: string;
  latencyMs: number;
  requestId?: string;
}

export interface CallLedgerOptions {
  /**
   * Rows are written at most this long after the call. Default 20 ms: rows
   * held longer survive young-generation collections and are promoted, and
   * that garbage in the old generation is what later costs the process
   * mark-compact pauses under steady load.
   */
  flushIntervalMs?: number;
  /** A batch this large is written at once, in one statement. Default and at most 500 (9,500 bound values, within SQLite's and Postgres's limits). */
  maxBatch?: number;
  /** Rows kept while the database is failing; older ones are dropped (logged). Default 50,000. */
  maxPending?: number;
}

/**
 * The gateway's ledger (`ai_gateway_calls`). Calls are recorded in memory and
 * written in multi-row inserts: a row per statement would cost more than the
 * gateway's own work at a few thousand calls per second. `flush()` runs on
 * shutdown, so a clean stop loses nothing.
 */
export class CallLedger {
  private pending: LedgerEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private readonly maxPending: number;

  constructor(
    private readonly knex: Knex,
    private readonly logger: LoggerService,
    options: CallLedgerOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 20;
    this.maxBatch = Math.max(1, Math.min(options.maxBatch ?? 500, 500));
    this.maxPending = options.maxPending ?? 50_000;
  }

  record(entry: LedgerEntry): void {
    this.pending.push(entry);
    if (this.pending.length > this.maxPending) {
      const dropped = this.pending.length - this.maxPending;
      this.pending.splice(0, dropped);
      this.logger.error(
        `AI gateway ledger: the database is not keeping up; dropped ${dropped} unwritten rows`,
      );
    }
    if (this.pending.length >= this.maxBatch) {
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes everything recorded so far. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.flushing = this.flushing.then(() => this.writeAll());
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, this.maxBatch);
      try {
        // One multi-row statement, no transaction.
        const { sql, bindings } = insertStatement(batch);
        await this.knex.raw(sql, bindings);
        this.pending.splice(0, batch.length);
      } catch (error) {
        this.logger.error(
          `AI gateway ledger: could not write ${batch.length} rows, retrying later: ${error}`,
        );
        if (!this.timer) {
          this.timer = setTimeout(() => void this.flush(), 5_000);
          this.timer.unref();
        }
        return;
      }
    }
  }
}

const COLUMNS = [
  'created_at',
  'user_ref',
  'charged_ref',
  'charged_to',
  'unresolved_reason',
  'app_ref',
  'client_id',
  'channel',
  'route',
  'model',
  'stream',
  'prompt_tokens',
  'completion_tokens',
  'cost',
  'cost_source',
  'status',
  'error_type',
  'latency_ms',
  'request_id',
] as const;

const INSERT_PREFIX = `insert into "${TABLE}" (${COLUMNS.map(
  c => `"${c}"`,
).join(', ')}) values `;
const ROW_PLACEHOLDERS = `(${COLUMNS.map(() => '?').join(', ')})`;

/**
 * One multi-row insert as SQL text and flat bindings. Built directly rather
 * than with knex's insert builder, which allocates about ten times more per
 * row; the statement is the same on Postgres and SQLite (knex still binds
 * the values and converts them for the driver).
 */
function insertStatement(entries: LedgerEntry[]): {
  sql: string;
  bindings: Knex.Value[];
} {
  const bindings: Knex.Value[] = [];
  for (const e of entries) {
    bindings.push(
      e.createdAt,
      e.userRef ?? null,
      e.chargedRef,
      e.chargedTo,
      e.unresolvedReason ?? null,
      e.appRef,
      e.clientId,
      e.channel,
      e.route,
      e.model?.slice(0, 255) ?? null,
      e.stream,
      e.promptTokens ?? null,
      e.completionTokens ?? null,
      e.cost ?? null,
      e.costSource,
      e.status,
      e.errorType?.slice(0, 64) ?? null,
      Math.round(e.latencyMs),
      e.requestId?.slice(0, 255) ?? null,
    );
  }
  return {
    sql:
      INSERT_PREFIX + Array(entries.length).fill(ROW_PLACEHOLDERS).join(', '),
    bindings,
  };
}
