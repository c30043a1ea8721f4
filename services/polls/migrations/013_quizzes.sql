-- Quizzes (docs/events.md): a question of an event's deck with correct answers and seconds is a
-- quiz question. Showing it starts its clock (started_at) and locks voting when the seconds run
-- out. Players pick a nickname; each player's first answer to a question scores, by the server's
-- clock: right and quick scores most, wrong or late nothing.
alter table event_polls add column correct_option_ids text[];
alter table event_polls add column seconds int;
alter table event_polls add column started_at timestamptz;
alter table events drop constraint if exists events_stage_screen_check;
alter table events add constraint events_stage_screen_check
  check (stage_screen in ('waiting', 'poll', 'qa', 'leaderboard'));

create table quiz_players (
  event_id text not null references events (id) on delete cascade,
  -- sha-256 of the event id and the participant's Voter-Token.
  player_hash text not null,
  nickname text not null,
  joined_at timestamptz not null default now(),
  primary key (event_id, player_hash)
);
create unique index quiz_players_nickname on quiz_players (event_id, lower(nickname));

create table quiz_answers (
  event_id text not null references events (id) on delete cascade,
  poll_id text not null references polls (id) on delete cascade,
  player_hash text not null,
  correct boolean not null,
  points int not null,
  answered_at timestamptz not null,
  primary key (poll_id, player_hash)
);
create index quiz_answers_by_player on quiz_answers (event_id, player_hash);
