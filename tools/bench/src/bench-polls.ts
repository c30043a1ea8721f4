// The votes phase's polls, through the gateway's public API: create one, read its counted total,
// and wait until the read model counts a number of votes.
export interface Poll {
  id: string;
  options: { id: string }[];
}

export async function createPoll(url: string, question: string): Promise<Poll> {
  const response = await fetch(`${url}/api/v1/polls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // The load comes from one address by design: without the per-address limits (docs/polls.md).
    body: JSON.stringify({
      question,
      options: [{ label: 'A' }, { label: 'B' }, { label: 'C' }],
      settings: { votesPerAddressPerMinute: 0, votesPerAddressPerHour: 0 },
    }),
  });
  if (response.status !== 201)
    throw new Error(`cannot create a poll: ${response.status} ${await response.text()}`);
  return (await response.json()) as Poll;
}

export async function totalVotes(url: string, pollId: string): Promise<number> {
  // With a credential, so the gateway's results cache is bypassed.
  const response = await fetch(`${url}/api/v1/polls/${pollId}/results`, {
    headers: { 'vote-receipt': 'fresh' },
  });
  if (response.status !== 200) return 0;
  return Number(((await response.json()) as { totalVotes: number }).totalVotes);
}

export async function countedVotes(url: string, polls: readonly Poll[]): Promise<number> {
  return (await Promise.all(polls.map((poll) => totalVotes(url, poll.id)))).reduce((a, b) => a + b, 0);
}

/** Polls the read model every 250 ms until it counts `votes` over `polls`; the last count. */
export async function waitUntilCounted(
  url: string,
  polls: readonly Poll[],
  votes: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let counted = await countedVotes(url, polls);
  while (counted < votes && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    counted = await countedVotes(url, polls);
  }
  return counted;
}
