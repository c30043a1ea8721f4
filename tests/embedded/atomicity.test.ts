import { after } from 'node:test';
import { PgliteHost } from '@canvass/database';
import { atomicityTests } from '../support/atomicity.ts';

const host = new PgliteHost('memory://');
after(() => host.close());

atomicityTests(() => host.database('polls'));
