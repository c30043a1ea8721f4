// The property of audience Q&A upvotes (docs/events.md), for both tiers: whatever participants
// send at once — each upvote several times over, some taken back (several times over too) —
// every participant's upvote counts once, the question's count is the number who upvoted and did
// not take it back, and exactly one request per counted change says it changed something.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Api } from './api.ts';

const participant = (token: string) => ({ 'voter-token': token });

/** `newEvent` makes an event that takes questions and answers its id. */
export async function upvotesCountOnce(api: Api, newEvent: () => Promise<string>, runs = 12): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      // Per participant: how many times they send their upvote, and how many times they take it back (0: never).
      fc.array(fc.record({ ups: fc.integer({ min: 1, max: 4 }), downs: fc.integer({ min: 0, max: 2 }) }), {
        minLength: 1,
        maxLength: 12,
      }),
      fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
      async (participants, shuffle) => {
        const eventId = await newEvent();
        const asked = await api('POST', `/api/v1/events/${eventId}/questions`, {
          body: { text: 'Will the slides be shared?' },
          headers: participant(`asker-${randomUUID()}`),
        });
        assert.equal(asked.status, 201, JSON.stringify(asked.body));
        const questionId = asked.body.question.id as string;
        const upvote = `/api/v1/events/${eventId}/questions/${questionId}/upvote`;
        const tokens = participants.map(() => `participant-${randomUUID()}`);

        // Every upvote, duplicates included, at once and in a shuffled order.
        const ups = participants.flatMap(({ ups }, i) => Array.from({ length: ups }, () => tokens[i]!));
        const random = shuffle[Symbol.iterator]();
        ups.sort(() => random.next().value! - 0.5);
        const upAnswers = await Promise.all(
          ups.map((token) => api('PUT', upvote, { headers: participant(token) })),
        );
        for (const answer of upAnswers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.equal(
          upAnswers.filter((answer) => answer.body.changed).length,
          participants.length,
          'one upvote per participant changed the count',
        );

        // Then those who take theirs back, duplicates included, at once.
        const downs = participants.flatMap(({ downs }, i) => Array.from({ length: downs }, () => tokens[i]!));
        const downAnswers = await Promise.all(
          downs.map((token) => api('DELETE', upvote, { headers: participant(token) })),
        );
        const takenBack = participants.filter(({ downs }) => downs > 0).length;
        assert.equal(downAnswers.filter((answer) => answer.body.changed).length, takenBack);

        const listed = await api('GET', `/api/v1/events/${eventId}/questions`);
        const question = listed.body.questions.find((q: { id: string }) => q.id === questionId);
        assert.equal(question.upvotes, participants.length - takenBack);
      },
    ),
    { numRuns: runs },
  );
}
