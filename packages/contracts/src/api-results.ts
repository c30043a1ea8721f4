// What GET /api/v1/polls/{pollId}/results answers, and what every live snapshot carries. Fields
// beyond these may be added (never renamed); each poll type adds its own figures.
import Type from 'typebox';
import { PollClosedV1, PollStatus, PollType } from './polls-events.ts';

const Count = Type.Integer({ minimum: 0 });
const Percent = Type.Number({ minimum: 0, maximum: 100, description: 'One decimal.' });
const { finalHead, totals } = PollClosedV1.data.properties;

export const PollResults = Type.Object(
  {
    pollId: Type.String(),
    question: Type.String(),
    type: PollType,
    status: PollStatus,
    totalVotes: Count,
    options: Type.Array(
      Type.Object({
        id: Type.String({ description: 'An option id; for rating and nps, the rated value.' }),
        label: Type.String(),
        votes: Count,
        percent: Percent,
        points: Type.Optional(Type.Integer({ description: 'ranking: Borda points.' })),
      }),
    ),
    rating: Type.Optional(
      Type.Object(
        {
          average: Type.Union([Type.Number(), Type.Null()]),
          scaleMin: Type.Integer(),
          scaleMax: Type.Integer(),
        },
        { description: 'rating and nps polls.' },
      ),
    ),
    nps: Type.Optional(
      Type.Object(
        {
          score: Type.Number({ minimum: -100, maximum: 100 }),
          promoters: Count,
          passives: Count,
          detractors: Count,
        },
        { description: 'nps polls.' },
      ),
    ),
    answers: Type.Optional(
      Type.Object(
        {
          shown: Count,
          awaitingModeration: Count,
          recent: Type.Array(Type.Object({ id: Type.String(), text: Type.String() })),
          terms: Type.Array(Type.Object({ term: Type.String(), count: Count })),
        },
        { description: 'open_text polls: the newest shown answers and the commonest terms.' },
      ),
    ),
    series: Type.Array(Type.Object({ minute: Type.String({ format: 'date-time' }), votes: Type.Integer() }), {
      description: 'Votes per minute, the last day of them.',
    }),
    breakdown: Type.Array(
      Type.Object({
        segment: Type.Union([Type.String(), Type.Null()]),
        totalVotes: Count,
        options: Type.Array(Type.Object({ id: Type.String(), votes: Count, percent: Percent })),
      }),
      {
        description:
          'The same counts by the segment given with each vote (null: none given). A poll’s first 20 distinct segments of letters, digits, spaces and . _ : / + - get a row each; later or other segments count in the row "(other)", so rows add up to the total.',
      },
    ),
    final: Type.Union(
      [Type.Object({ closedAt: Type.String({ format: 'date-time' }), finalHead, totals }), Type.Null()],
      { description: 'Once closed: the head of the poll’s hash chain and the final totals.' },
    ),
    sequence: Type.Integer({ minimum: 0, description: 'Grows with every change; orders live snapshots.' }),
    updatedAt: Type.String({ format: 'date-time' }),
    regions: Type.Optional(
      Type.Array(Type.Object({ region: Type.String(), totalVotes: Type.Integer() }), {
        description:
          'Where Canvass runs in several regions and the poll has votes from more than one: the votes counted from each, this region first. totalVotes, options and the rating figures add them all; the series, breakdown and answers are this region’s.',
      }),
    ),
  },
  { description: 'A poll’s results.' },
);
