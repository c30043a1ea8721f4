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
];
