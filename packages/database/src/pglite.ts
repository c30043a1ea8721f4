// Embedded tier: one PGlite (PostgreSQL in WebAssembly) per process, shared by every service, each
// in its own schema. PGlite is a single session, so connections are serialized by a lock and a
// transaction holds it until it ends.

import { querySpans } from '@canvass/telemetry';
import { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely';
import { type AnyTables, assertChannelName, assertSchemaName, type Database } from './database.ts';

export class PgliteHost {
  readonly pg: PGlite;
  #tail: Promise<void> = Promise.resolve();
  #currentSchema = '';

  constructor(dataDir: string) {
    // `memory://` keeps everything in memory (tests); a path persists between runs.
    this.pg = new PGlite(dataDir);
  }

  /** Waits for the lock; the returned function releases it. */
  async lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => next);
    await previous;
    return release;
  }

  async exclusive<T>(run: () => Promise<T>): Promise<T> {
    const release = await this.lock();
    try {
      return await run();
    } finally {
      release();
    }
  }

  async useSchema(schema: string): Promise<void> {
    if (this.#currentSchema === schema) return;
    await this.pg.query(`set search_path to ${schema}`);
    this.#currentSchema = schema;
  }

  database(schemaName: string): Database {
    const schema = assertSchemaName(schemaName);
    const host = this;
    const kysely = new Kysely<AnyTables>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new PgliteDriver(host, schema),
        createIntrospector: (db) => new PostgresIntrospector(db),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
      // Spans for statements run under one (nothing instruments PGlite).
      log: querySpans('pglite'),
    });
    return {
      kysely,
      schema,
      // LISTEN must not land inside another service's open transaction: take the session lock.
      async listen(channel, onNotify) {
        const unsubscribe = await host.exclusive(() => host.pg.listen(assertChannelName(channel), onNotify));
        return async () => {
          if (!host.pg.closed) await host.exclusive(() => unsubscribe());
        };
      },
      async ping() {
        if (host.pg.closed) throw new Error('the embedded database is closed');
        await kysely.executeQuery(CompiledQuery.raw('select 1'));
      },
      // The host owns the PGlite instance; closing one service's view must not close the others'.
      async close() {},
    };
  }

  async close(): Promise<void> {
    const release = await this.lock();
    try {
      if (!this.pg.closed) await this.pg.close();
    } finally {
      release();
    }
  }
}

class PgliteDriver implements Driver {
  readonly #host: PgliteHost;
  readonly #schema: string;
  constructor(host: PgliteHost, schema: string) {
    this.#host = host;
    this.#schema = schema;
  }
  async init() {}
  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#host.lock();
    try {
      await this.#host.useSchema(this.#schema);
    } catch (error) {
      release();
      throw error;
    }
    return new PgliteConnection(this.#host, release);
  }
  async beginTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }
  async commitTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
  async releaseConnection(connection: DatabaseConnection) {
    (connection as PgliteConnection).release();
  }
  async destroy() {}
}

class PgliteConnection implements DatabaseConnection {
  readonly #host: PgliteHost;
  readonly release: () => void;
  constructor(host: PgliteHost, release: () => void) {
    this.#host = host;
    this.release = release;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    // Parameterless text may hold several statements (migrations): run it with the simple protocol.
    if (compiled.parameters.length === 0 && compiled.sql.includes(';')) {
      const results = await this.#host.pg.exec(compiled.sql);
      const last = results.at(-1);
      return { rows: (last?.rows ?? []) as R[], numAffectedRows: BigInt(last?.affectedRows ?? 0) };
    }
    const result = await this.#host.pg.query<R>(compiled.sql, compiled.parameters as unknown[]);
    return { rows: result.rows, numAffectedRows: BigInt(result.affectedRows ?? 0) };
  }

  // PGlite has no cursors: one chunk holds every row.
  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    yield await this.executeQuery<R>(compiled);
  }
}
