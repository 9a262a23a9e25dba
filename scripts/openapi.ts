/** Writes docs/openapi.json from the schemas and the topology (npm run openapi). */
import { writeFileSync } from 'node:fs';
import { buildOpenApi } from './openapi/document.ts';

const file = new URL('../docs/openapi.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(buildOpenApi(), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
