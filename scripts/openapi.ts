/** Writes docs/openapi.json from the schemas and the topology, and the console's API types from it (npm run openapi). */
import { writeFileSync } from 'node:fs';
import { buildOpenApi } from './openapi/document.ts';
import { buildConsoleTypes, CONSOLE_TYPES_FILE } from './openapi/types.ts';

const file = new URL('../docs/openapi.json', import.meta.url);
const document = buildOpenApi();
writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
writeFileSync(CONSOLE_TYPES_FILE, await buildConsoleTypes(document));
console.log(`wrote ${CONSOLE_TYPES_FILE.pathname}`);
