// The services that keep data and events, in start order. The gateway is wired separately.
import { createAnalyticsService } from '@canvass/analytics';
import { createPollsService } from '@canvass/polls';
import type { RuntimeOptions } from '@canvass/service-kit';

export interface ServiceEntry {
  name: string;
  create: RuntimeOptions['create'];
  /** Where its main.ts lives, for the cluster tier. */
  main: string;
  /** Its port in the cluster tier is the gateway's port plus this. */
  portOffset: number;
}

export const dataServices: readonly ServiceEntry[] = [
  { name: 'polls', create: createPollsService, main: 'services/polls/src/main.ts', portOffset: 1 },
  {
    name: 'analytics',
    create: createAnalyticsService,
    main: 'services/analytics/src/main.ts',
    portOffset: 2,
  },
];
