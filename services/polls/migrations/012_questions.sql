-- Audience Q&A (docs/events.md): participants ask questions in an event and upvote others' once
-- each. An upvote is a row keyed by question and participant (one per participant, whatever the
-- concurrency); the question's count moves in the same transaction. qa_version orders the live
-- snapshots of an event's questions.
alter table events add column qa_enabled boolean not null default true;
alter table events add column qa_anonymous boolean not null default true;
alter table events add column qa_moderation boolean not null default false;
alter table events add column qa_version int not null default 0;
-- The stage may show the Q&A.
alter table events drop constraint if exists events_stage_screen_check;
alter table events add constraint events_stage_screen_check check (stage_screen in ('waiting', 'poll', 'qa'));

create table questions (
  id text primary key,
  event_id text not null references events (id) on delete cascade,
  text text not null,
  -- null: asked anonymously.
  author_name text,
  -- The asker's participant key (sha-256 of event id and voter token), so they see it as theirs.
  asker_hash text not null,
  status text not null check (status in ('pending', 'approved', 'dismissed')),
  pinned boolean not null default false,
  answered boolean not null default false,
  upvotes int not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index questions_by_event on questions (event_id, created_at);

create table question_upvotes (
  question_id text not null references questions (id) on delete cascade,
  voter_hash text not null,
  created_at timestamptz not null default now(),
  primary key (question_id, voter_hash)
);
