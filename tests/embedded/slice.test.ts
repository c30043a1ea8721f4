import { useEmbeddedPlatform } from '../support/embedded.ts';
import { sliceTests } from '../support/slice.ts';

sliceTests(useEmbeddedPlatform().api);
