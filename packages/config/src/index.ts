export { ConfigError, loadConfig } from './config.ts';
