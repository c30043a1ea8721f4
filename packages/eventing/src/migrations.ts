import type { Migration } from '@canvass/database';

/**
 * Tables every service that publishes or consumes events adds to its own schema. Migrations apply
 * in name order, after nothing of the service's own (`001_…`): name a new one so it sorts last here.
 */
export const eventingMigrations: readonly Migration[] = [
  {
    name: '000_eventing',
    sql: `
      create table outbox (
        seq bigserial primary key,
        id text not null unique,
        type text not null,
        event jsonb not null,
        state text not null default 'pending' check (state in ('pending', 'sent')),
        attempts int not null default 0,
        last_error text,
        lease_until timestamptz,
        created_at timestamptz not null default now(),
        sent_at timestamptz
      );
      create index outbox_pending on outbox (seq) where state = 'pending';
      create table inbox (
        consumer text not null,
        event_id text not null,
        processed_at timestamptz not null default now(),
        primary key (consumer, event_id)
      );
      create table dead_letters (
        id bigserial primary key,
        consumer text not null,
        event_id text,
        type text,
        payload text not null,
        error text not null,
        attempts int not null,
        first_failed_at timestamptz not null default now(),
        last_failed_at timestamptz not null default now()
      );
    `,
  },
  {
    name: '000_eventing_dead_letter_state',
    sql: `
      alter table dead_letters
        add column state text not null default 'pending' check (state in ('pending', 'replayed', 'discarded')),
        add column resolved_at timestamptz;
      create index dead_letters_pending on dead_letters (id) where state = 'pending';
    `,
  },
  {
    // A batch redelivered after a crash must not dead-letter the same event twice.
    name: '000_eventing_dead_letter_state_once',
    sql: `
      create unique index dead_letters_once on dead_letters (consumer, event_id)
        where event_id is not null and state = 'pending';
    `,
  },
  {
    // Every outbox row is updated once and deleted a day later: where autovacuum runs, vacuum it
    // by row count, not by a fraction of a table that is mostly sent rows (see outbox.ts).
    name: '000_eventing_outbox_vacuum',
    sql: `alter table outbox set (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);`,
  },
  {
    // The ordered log (docs/architecture.md, "Order"): outbox rows get a partition (by partition
    // key) and a sequence within it, assigned under the partition's head row lock, so each
    // partition's sequence is its commit order and a relay can read it from a checkpoint with no
    // update per row. Consumers of keyed streams (events carrying `streamversion`) keep each key's
    // applied version instead of an inbox row per event, and park events that arrive early.
    name: '000_eventing_partitioned_log',
    sql: `
      -- FNV-1a over the key's characters, as partitionOf() in subjects.ts (keys are ASCII ids).
      create function canvass_partition_of(key text, partitions int) returns int
      language plpgsql immutable as $fn$
      declare h bigint := 2166136261;
      begin
        for i in 1..length(key) loop
          h := ((h # ascii(substr(key, i, 1))) * 16777619) % 4294967296;
        end loop;
        return (h % partitions)::int;
      end $fn$;

      create table log_heads (
        log text not null,
        partition int not null,
        seq bigint not null default 0,
        primary key (log, partition)
      );
      create table relay_checkpoints (
        log text not null,
        partition int not null,
        published_seq bigint not null default 0,
        owner text,
        lease_until timestamptz,
        attempts int not null default 0,
        last_error text,
        failing_since timestamptz,
        primary key (log, partition)
      );

      create table outbox_log (
        partition int not null,
        seq bigint not null,
        id text not null,
        type text not null,
        event jsonb not null,
        created_at timestamptz not null default now(),
        primary key (partition, seq)
      );
      -- What the previous layout had not sent yet, in its order, each on its key's partition.
      insert into outbox_log (partition, seq, id, type, event, created_at)
        select partition, row_number() over (partition by partition order by old_seq), id, type, event, created_at
        from (select seq as old_seq, id, type, event, created_at,
                canvass_partition_of(coalesce(event->>'partitionkey', event->>'workspace', event->>'subject', id), 8)
                  as partition
              from outbox where state = 'pending') pending;
      drop table outbox;
      alter table outbox_log rename to outbox;
      insert into log_heads (log, partition, seq)
        select 'outbox', p, coalesce((select max(seq) from outbox where partition = p), 0)
        from generate_series(0, 7) p;
      insert into relay_checkpoints (log, partition) select 'outbox', p from generate_series(0, 7) p;

      create table stream_positions (
        consumer text not null,
        stream text not null,
        version bigint not null default 0,
        parked int not null default 0,
        primary key (consumer, stream)
      );
      create table parked_events (
        consumer text not null,
        stream text not null,
        version bigint not null,
        payload jsonb not null,
        parked_at timestamptz not null default now(),
        primary key (consumer, stream, version)
      );
    `,
  },
];
