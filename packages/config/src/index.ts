export { ConfigError, loadConfig, loadConfigOrExit } from './config.ts';
