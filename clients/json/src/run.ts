// make test-json-client: runs the generated client's rider flow against a fresh bin/idgate
// and stripe-mock (console/e2e/local.ts starts them; logs in tmp/).
import { resolve } from 'node:path';
import { startLocal } from '../../../console/e2e/local.js';
import { riderFlow } from './flow.js';

const root = resolve(process.cwd(), '../..'); // npm runs this in clients/json
const local = await startLocal(root, resolve('tmp'), { IDGATE_LOG_LEVEL: 'warn' });
let failed = false;
try {
  await riderFlow(local.base, local.adminKey, (s) => console.log(`json client: ${s}`));
  console.log('json client: the generated client ran the rider flow');
} catch (e) {
  failed = true;
  console.error(`json client: ${(e as Error).message} (logs: clients/json/tmp/idgate.log)`);
} finally {
  await local.stop();
}
process.exit(failed ? 1 : 0);
