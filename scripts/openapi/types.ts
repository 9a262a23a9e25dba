/**
 * The console's API types, generated from the OpenAPI document with openapi-typescript (npm run openapi writes
 * them to console/src/api/openapi.ts beside docs/openapi.json; a unit test fails when either is stale). The
 * console's client (openapi-fetch) is typed by them, so a contract change that breaks the console fails its
 * typecheck.
 */
import openapiTS, { astToString } from 'openapi-typescript';

export const CONSOLE_TYPES_FILE = new URL('../../console/src/api/openapi.ts', import.meta.url);

const HEADER =
  '/**\n * Generated from docs/openapi.json by `npm run openapi` (scripts/openapi/types.ts, openapi-typescript).\n' +
  ' * Do not edit: change the schemas in functions/http/schemas.ts or scripts/openapi/, then run it again.\n */\n\n';

export const buildConsoleTypes = async (document: Record<string, unknown>): Promise<string> => {
  // openapi-typescript reads a document object as is (no $ref resolution outside it is needed here).
  const ast = await openapiTS(document as unknown as Parameters<typeof openapiTS>[0], {
    alphabetize: false,
    rootTypes: true,
    rootTypesNoSchemaPrefix: true,
  });
  return HEADER + astToString(ast);
};
