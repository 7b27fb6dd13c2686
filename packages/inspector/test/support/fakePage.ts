import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A stand-in for the built page (tests of the server that need no browser or build). */
export function fakePageDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ddpx-inspector-fake-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>inspector</title>');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'app.js'), 'export {};');
  return dir;
}
