/**
 * Validates real responses against docs/openapi.json (the committed contract), with Ajv (JSON Schema 2020-12,
 * as OpenAPI 3.1 uses). e2e tests call `assertContract(method, path template, status, body)`.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the OpenAPI document is walked by path, untyped
type Json = Record<string, any>;

const doc: Json = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema({ $id: 'openapi', components: doc.components });

const schemaFor = (method: string, path: string, status: number): Json => {
  const operation = doc.paths?.[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`The contract has no operation ${method} ${path}`);
  const response = operation.responses[String(status)];
  if (!response) throw new Error(`The contract of ${method} ${path} has no ${status} response`);
  return response.content['application/json'].schema;
};

/** Throws with Ajv's errors when `body` is not what the contract says `method path` answers with `status`. */
export const assertContract = (method: string, path: string, status: number, body: unknown): void => {
  const schema = schemaFor(method, path, status);
  const ref = String(schema.$ref).replace('#/components', 'openapi#/components');
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`No schema ${ref}`);
  if (!validate(body)) {
    throw new Error(
      `${method} ${path} ${status} breaks the contract: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`,
    );
  }
};
