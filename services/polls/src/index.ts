export { createPollsService } from './service.ts';
export { foldPollStream } from './streams/fold.ts';
// For auditors (and tests): recompute a receipt's proof, verify a chain, fold a stream.
export { canonicalJson, chainHash, GENESIS_HASH, verifyChain } from './streams/hash-chain.ts';
