import { useEmbeddedPlatform } from '../support/embedded.ts';
import { pollTypeTests } from '../support/polls.ts';

pollTypeTests(useEmbeddedPlatform().api);
