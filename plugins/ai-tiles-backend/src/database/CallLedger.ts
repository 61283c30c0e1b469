import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

const TABLE = 'ai_gateway_calls';

/** One model call through the gateway. */
export interface LedgerEntry {
  createdAt: Date;
  /** The employee; undefined when unresolved (charged to the app). */
  userRef?: string;
  /** Owner of the LiteLLM key that was charged (refused calls: would have been). */
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

/** After a failed write, the rows wait this long before the next try. */
const RETRY_MS = 5_000;

/**
 * The database refused the row itself (a value it cannot store), not the
 * connection: writing it again cannot succeed. SQLSTATE classes 22 (data
 * exception) and 23 (integrity constraint) on Postgres, and SQLite's
 * constraint, type and size errors.
 */
function isRowError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  return (
    /^2[23][0-9A-Z]{3}$/.test(code) ||
    code.startsWith('SQLITE_CONSTRAINT') ||
    code === 'SQLITE_MISMATCH' ||
    code === 'SQLITE_TOOBIG'
  );
}

/**
 * The driver's reason, short: knex puts the whole statement (500 rows of
 * values) in front of it.
 */
function reasonOf(error: unknown): string {
  const message = String((error as Error)?.message ?? error);
  const cut = message.lastIndexOf(' - ');
  return (cut >= 0 ? message.slice(cut + 3) : message).slice(0, 300);
}

/**
 * The gateway's ledger (`ai_gateway_calls`). Calls are recorded in memory and
 * written in multi-row inserts: a row per statement would cost more than the
 * gateway's own work at a few thousand calls per second. One write runs at a
 * time and takes everything recorded meanwhile. While the database fails,
 * rows are kept (up to `maxPending`) and tried again every 5 s; a row the
 * database refuses for its values is dropped and logged, so it cannot hold
 * up the others. `flush()` runs on shutdown, so a clean stop loses nothing.
 */
export class CallLedger {
  private pending: LedgerEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The write in progress. */
  private writing: Promise<void> | undefined;
  /** A write failed: the rows wait for the retry timer. */
  private retrying = false;
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
    this.dropOverflow();
    // A running write takes this row too; a failed one retries on its timer.
    if (this.writing || this.retrying) return;
    if (this.pending.length >= this.maxBatch) {
      void this.flush();
    } else {
      this.schedule(this.flushIntervalMs);
    }
  }

  /** Writes everything recorded so far (now, even while retrying). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.retrying = false;
    this.writing ??= this.writeAll().finally(() => {
      this.writing = undefined;
      // Rows recorded after the last batch was taken.
      if (this.pending.length > 0 && !this.retrying) {
        this.schedule(this.flushIntervalMs);
      }
    });
    return this.writing;
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
    this.timer.unref();
  }

  /** Past `maxPending` the oldest unwritten rows go (rows being written are not in `pending`). */
  private dropOverflow(): void {
    const dropped = this.pending.length - this.maxPending;
    if (dropped <= 0) return;
    this.pending.splice(0, dropped);
    this.logger.error(
      `AI gateway ledger: the database is not keeping up; dropped ${dropped} unwritten rows`,
    );
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      // Taken out while written: nothing else touches them meanwhile.
      const batch = this.pending.splice(0, this.maxBatch);
      const unwritten = await this.write(batch);
      if (unwritten.length > 0) {
        this.pending.unshift(...unwritten);
        this.dropOverflow();
        this.retrying = true;
        this.schedule(RETRY_MS);
        return;
      }
    }
  }

  /** Writes `batch`; returns the rows to try again later. */
  private async write(batch: LedgerEntry[]): Promise<LedgerEntry[]> {
    try {
      await this.insert(batch);
      return [];
    } catch (error) {
      if (!isRowError(error)) {
        this.logger.error(
          `AI gateway ledger: could not write ${
            batch.length
          } rows, retrying later: ${reasonOf(error)}`,
        );
        return batch;
      }
    }
    // One refused row fails the whole statement: write the rows one by one
    // and drop only those refused for their values.
    const unwritten: LedgerEntry[] = [];
    let refused = 0;
    let reason = '';
    for (const entry of batch) {
      try {
        await this.insert([entry]);
      } catch (error) {
        if (isRowError(error)) {
          refused++;
          reason ||= reasonOf(error);
        } else {
          unwritten.push(entry);
        }
      }
    }
    if (refused > 0) {
      this.logger.error(
        `AI gateway ledger: dropped ${refused} rows the database refuses: ${reason}`,
      );
    }
    return unwritten;
  }

  private async insert(entries: LedgerEntry[]): Promise<void> {
    // One multi-row statement, no transaction.
    const { sql, bindings } = insertStatement(entries);
    await this.knex.raw(sql, bindings);
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
 * A caller's or LiteLLM's text as a column holds it: cut to the column's
 * length, without NUL characters (Postgres refuses them in text).
 */
function text(value: string | undefined, max: number): string | null {
  if (value === undefined) return null;
  const cut = value.length > max ? value.slice(0, max) : value;
  return cut.includes('\0') ? cut.replace(/\0/g, '') : cut;
}

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
      text(e.model, 255),
      e.stream,
      e.promptTokens ?? null,
      e.completionTokens ?? null,
      e.cost ?? null,
      e.costSource,
      e.status,
      text(e.errorType, 64),
      Math.round(e.latencyMs),
      text(e.requestId, 255),
    );
  }
  return {
    sql:
      INSERT_PREFIX + Array(entries.length).fill(ROW_PLACEHOLDERS).join(', '),
    bindings,
  };
}
