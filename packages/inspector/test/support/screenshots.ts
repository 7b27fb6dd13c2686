import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the browser tests write their screenshots: into docs/inspector (the pictures docs/inspector.md
 * shows) when `UPDATE_SCREENSHOTS=1`, else into a temporary folder, so a test run never rewrites files
 * the repository tracks.
 */
export const SCREENSHOTS_DIR =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../../../docs/inspector', import.meta.url))
    : join(tmpdir(), 'ddpx-inspector-screenshots');
