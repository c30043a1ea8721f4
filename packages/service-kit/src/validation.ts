// Fastify validates requests with the TypeBox schemas themselves (one source for validation,
// types and OpenAPI). Non-body parts arrive as strings and are converted first.
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { RequestValidationError } from './problem.ts';

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  const part = httpPart ?? 'body';
  return (data: unknown) => {
    let value = Value.Default(schema, Value.Clone(data));
    if (part !== 'body') value = Value.Convert(schema, value);
    if (validator.Check(value)) return { value };
    const fieldErrors = validator.Errors(value).map((error) => ({
      in: part,
      field: error.instancePath,
      message: error.message,
    }));
    return { error: new RequestValidationError(fieldErrors) };
  };
};
