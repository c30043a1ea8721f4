// The services that keep data and events, in start order. The gateway is wired separately.
import { createAnalyticsService } from '@canvass/analytics';
import { createIdentityService, type Mailer } from '@canvass/identity';
import { createPollsService } from '@canvass/polls';
import type { RuntimeOptions } from '@canvass/service-kit';

/** What the embedded tier hands the services that need more than a database and a bus. */
export interface PlatformSettings {
  publicUrl: string;
  internalSecret: string;
  mailer: Mailer;
}

export interface ServiceEntry {
  name: string;
  create(settings: PlatformSettings): RuntimeOptions['create'];
  /** Where its main.ts lives, for the cluster tier. */
  main: string;
  /** Its port in the cluster tier is the gateway's port plus this. */
  portOffset: number;
}

export const dataServices: readonly ServiceEntry[] = [
  { name: 'polls', create: () => createPollsService, main: 'services/polls/src/main.ts', portOffset: 1 },
  {
    name: 'analytics',
    create: () => createAnalyticsService,
    main: 'services/analytics/src/main.ts',
    portOffset: 2,
  },
  {
    name: 'identity',
    create: (settings) =>
      createIdentityService({
        mailer: settings.mailer,
        publicUrl: settings.publicUrl,
        internalSecret: settings.internalSecret,
      }),
    main: 'services/identity/src/main.ts',
    portOffset: 3,
  },
];

/** Live results: no database, so not a data service; its processes share viewer counts in Redis. */
export const realtimeService = {
  name: 'realtime',
  main: 'services/realtime/src/main.ts',
  /** The first process's port offset; the others follow it. */
  portOffset: 4,
};
