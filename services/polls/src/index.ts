// The polls service; and for auditors (and tests): recompute a receipt's proof, verify a chain,
// fold a stream.
export { canonicalJson } from '@canvass/contracts/canonical-json';
export { pointsFor } from './events/quiz-store.ts';
export { createPollsService } from './service.ts';
export { foldPollStream } from './streams/fold.ts';
export { chainHash, GENESIS_HASH, verifyChain } from './streams/hash-chain.ts';
export { pollLog, verifyStream, writeStreams } from './streams/poll-stream.ts';
