import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PRODUCTION_TARGET, readTemplate, renderNginx } from './render-nginx';
import { GATEWAY_DIR, loadRouteTable } from './route-table';

/** `npm run generate:gateway -w infra/dev`: writes the production gateway's nginx.conf. */
const file = resolve(GATEWAY_DIR, 'nginx.conf');
writeFileSync(file, renderNginx(readTemplate(), loadRouteTable(), PRODUCTION_TARGET));
process.stdout.write(`wrote ${file}\n`);
