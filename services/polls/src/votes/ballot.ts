// What a vote body means for each poll type, checked against the poll: the one place that
// decides whether a ballot is valid (the route, and the vote batch when a poll changed meanwhile).
import type { Ballot } from '@canvass/contracts';
import { POLL_LIMITS } from '@canvass/contracts/poll-limits';
import { HttpProblem } from '@canvass/service-kit';
import Type, { type Static } from 'typebox';
import type { StoredPoll } from '../polls/poll-store.ts';

const OptionId = Type.String({ minLength: 1, maxLength: 64 });

export const CastVoteBody = Type.Object(
  {
    optionIds: Type.Optional(
      Type.Array(OptionId, {
        minItems: 1,
        maxItems: POLL_LIMITS.maxOptions,
        uniqueItems: true,
        description: 'single_choice and multiple_choice: the chosen options.',
      }),
    ),
    ranking: Type.Optional(
      Type.Array(OptionId, {
        minItems: 2,
        maxItems: POLL_LIMITS.maxOptions,
        uniqueItems: true,
        description: 'ranking: every option id, most preferred first.',
      }),
    ),
    rating: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: 'rating and nps.' })),
    text: Type.Optional(
      Type.String({ minLength: 1, maxLength: POLL_LIMITS.textAnswer, description: 'open_text.' }),
    ),
    segment: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'A label to break results down by, e.g. the embed source.',
      }),
    ),
    accessCode: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: POLL_LIMITS.accessCodeMax,
        description: 'For polls that need an access code.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CastVoteBody = Static<typeof CastVoteBody>;

const problem = (type: string, title: string, detail: string, field: string) =>
  new HttpProblem(422, type, title, detail, { errors: [{ in: 'body', field, message: detail }] });

const FIELD_BY_TYPE: Record<StoredPoll['type'], keyof CastVoteBody> = {
  single_choice: 'optionIds',
  multiple_choice: 'optionIds',
  ranking: 'ranking',
  rating: 'rating',
  nps: 'rating',
  open_text: 'text',
};

function checkKnownOptions(poll: StoredPoll, ids: readonly string[], field: string) {
  const known = new Set(poll.options.map((option) => option.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new HttpProblem(
      422,
      'unknown-option',
      'No such option',
      `This poll has no option ${unknown.join(', ')}.`,
      {
        errors: unknown.map((id) => ({ in: 'body', field, message: `unknown option id ${id}` })),
      },
    );
  }
}

/** The ballot a body casts in this poll, or a 422 problem naming what is wrong. */
export function parseBallot(poll: StoredPoll, body: CastVoteBody): Ballot {
  const field = FIELD_BY_TYPE[poll.type];
  for (const other of ['optionIds', 'ranking', 'rating', 'text'] as const) {
    if (other !== field && body[other] !== undefined) {
      throw problem(
        'wrong-answer-kind',
        'This poll takes another kind of answer',
        `A ${poll.type} poll takes "${field}", not "${other}".`,
        `/${other}`,
      );
    }
  }
  if (body[field] === undefined) {
    throw problem('missing-answer', 'No answer given', `A ${poll.type} poll needs "${field}".`, `/${field}`);
  }
  const { settings } = poll;
  switch (poll.type) {
    case 'single_choice':
    case 'multiple_choice': {
      const ids = body.optionIds ?? [];
      const [min, max] =
        poll.type === 'single_choice' ? [1, 1] : [settings.minSelections, settings.maxSelections];
      if (ids.length < min || ids.length > max) {
        const wanted = min === max ? `exactly ${min}` : `between ${min} and ${max}`;
        throw problem(
          'wrong-number-of-options',
          `Choose ${wanted} option${max === 1 ? '' : 's'}`,
          `This poll takes ${wanted} option${max === 1 ? '' : 's'}; ${ids.length} were chosen.`,
          '/optionIds',
        );
      }
      checkKnownOptions(poll, ids, '/optionIds');
      return { optionIds: [...ids], rating: null, text: null };
    }
    case 'ranking': {
      const ids = body.ranking ?? [];
      checkKnownOptions(poll, ids, '/ranking');
      if (ids.length !== poll.options.length) {
        throw problem(
          'incomplete-ranking',
          'Rank every option',
          `Put all ${poll.options.length} options in order; ${ids.length} were ranked.`,
          '/ranking',
        );
      }
      return { optionIds: [...ids], rating: null, text: null };
    }
    case 'rating':
    case 'nps': {
      const rating = body.rating ?? -1;
      if (rating < settings.scaleMin || rating > settings.scaleMax) {
        throw problem(
          'rating-out-of-scale',
          'Rating out of scale',
          `Rate from ${settings.scaleMin} to ${settings.scaleMax}; ${rating} is outside.`,
          '/rating',
        );
      }
      return { optionIds: [], rating, text: null };
    }
    case 'open_text': {
      const text = (body.text ?? '').trim();
      if (text.length === 0)
        throw problem('missing-answer', 'No answer given', 'The answer is blank.', '/text');
      return { optionIds: [], rating: null, text };
    }
  }
}
