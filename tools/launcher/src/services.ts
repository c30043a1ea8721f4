// The services that keep data and events, in start order. The gateway is wired separately.
import { createAnalyticsService } from '@canvass/analytics';
import { type BillingOptions, createBillingService } from '@canvass/billing';
import { createIdentityService } from '@canvass/identity';
import {
  createNotificationsService,
  type MailTransport,
  type NotificationsOptions,
} from '@canvass/notifications';
import { createPollsService } from '@canvass/polls';
import type { RuntimeOptions } from '@canvass/service-kit';

/** What the embedded tier hands the services that need more than a database and a bus. */
export interface PlatformSettings {
  publicUrl: string;
  internalSecret: string;
  /** Where notifications sends mail. */
  mail: MailTransport;
  /** The rest of notifications' settings (the local mailbox, webhook test settings). */
  notifications?: Partial<NotificationsOptions>;
  /** Billing's payment provider and settings. */
  billing: Partial<BillingOptions> & Pick<BillingOptions, 'provider'>;
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
        publicUrl: settings.publicUrl,
        internalSecret: settings.internalSecret,
      }),
    main: 'services/identity/src/main.ts',
    portOffset: 3,
  },
  {
    name: 'notifications',
    create: (settings) =>
      createNotificationsService({
        ...settings.notifications,
        transport: settings.mail,
        publicUrl: settings.publicUrl,
        internalSecret: settings.internalSecret,
      }),
    main: 'services/notifications/src/main.ts',
    // After the realtime processes' offsets (4 and up, at most 16 of them).
    portOffset: 20,
  },
  {
    name: 'billing',
    create: (settings) =>
      createBillingService({ ...settings.billing, internalSecret: settings.internalSecret }),
    main: 'services/billing/src/main.ts',
    portOffset: 21,
  },
];

/** Live results: no database, so not a data service; its processes share viewer counts in Redis. */
export const realtimeService = {
  name: 'realtime',
  main: 'services/realtime/src/main.ts',
  /** The first process's port offset; the others follow it. */
  portOffset: 4,
};
