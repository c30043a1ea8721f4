// The one place that reads process.env: a schema says what a process needs, and every bad or
// missing variable is reported at once so an operator fixes them in one go.
import type { Static, TObject } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads the variables a schema names from the environment (or `source`), applies defaults, converts types. */
export function loadConfig<T extends TObject>(
  schema: T,
  source: Record<string, string | undefined> = process.env,
): Static<T> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const raw = source[key];
    if (raw !== undefined && raw !== '') picked[key] = raw;
  }
  const value = Value.Convert(schema, Value.Default(schema, picked));
  const validator = Compile(schema);
  if (validator.Check(value)) return value as Static<T>;
  const problems = validator.Errors(value).map((error) => {
    if (error.keyword === 'required') {
      const missing = (error.params as { requiredProperties: string[] }).requiredProperties;
      return `${missing.join(', ')}: missing (required)`;
    }
    const key = error.instancePath.replace(/^\//, '');
    return `${key}: ${error.message} (got ${JSON.stringify(picked[key])})`;
  });
  throw new ConfigError([...new Set(problems)]);
}
