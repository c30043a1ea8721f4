// A standalone payment provider for the cluster tier: Stripe's API subset on PORT, one webhook
// endpoint from WEBHOOK_URL and WEBHOOK_SECRET.
import { loadConfigOrExit } from '@canvass/config';
import { createLogger, onShutdown } from '@canvass/service-kit';
import { PaymentProviderConfig } from './config.ts';
import { createPaymentProvider } from './provider.ts';

const config = loadConfigOrExit(PaymentProviderConfig, 'payment-provider');
if (config.WEBHOOK_URL && !config.WEBHOOK_SECRET) {
  process.stderr.write(
    'payment-provider cannot start. WEBHOOK_SECRET: missing (required with WEBHOOK_URL)\n',
  );
  process.exit(1);
}
const logger = createLogger('payment-provider', config.LOG_LEVEL);
const provider = await createPaymentProvider({
  port: config.PORT,
  host: config.HOST,
  logger,
  ...(config.WEBHOOK_URL ? { webhook: { url: config.WEBHOOK_URL, secret: config.WEBHOOK_SECRET! } } : {}),
  webhookRetryDelaysMs: config.WEBHOOK_RETRY_MS.split(',').map(Number),
  webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
});
onShutdown(logger, () => provider.close());
logger.info({ url: provider.url }, 'ready');
