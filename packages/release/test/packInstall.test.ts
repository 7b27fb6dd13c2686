import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, DDPError, type DDPServer } from '@ddpx/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPO_DIR } from '../src/diagramSources.js';
import { sampleAfter, toJavaScript } from '../src/docSamples.js';
import { buildStale, packAll, publicPackages } from '../src/publicPackages.js';

// Each test runs child processes (npx, node, tsc); a shared, loaded CI machine can make them slow.
vi.setConfig({ testTimeout: 60_000 });

// What a stranger gets from npm: every public package packed with pnpm (workspace:* becomes the
// version), installed with plain npm into an empty project outside the workspace, then used the way
// the README and docs/getting-started.md say: the docs' server and client samples, the React sample,
// a consumer typechecked against the shipped .d.ts, and the CLI through every documented way to run it.

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], cwd: string, timeoutMs = 45_000): Promise<Run> {
  const child = spawn(file, args, {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ')} did not finish:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  const probe = createHttpServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

const packages = publicPackages();
let root: string;
let app: string;
let tarballs: string[];
let server: DDPServer;
let base: string;

beforeAll(async () => {
  buildStale(packages);
  root = mkdtempSync(join(tmpdir(), 'ddpx-pack-'));
  app = join(root, 'app');
  tarballs = packAll(packages, join(root, 'tarballs'));
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  // What getting-started tells a user to install, plus what a TypeScript + React user has anyway.
  execFileSync(
    'npm',
    [
      'install',
      ...tarballs,
      'react@^19',
      'react-dom@^19',
      '@types/node@^20',
      '@types/react@^19',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
    ],
    { cwd: app, stdio: 'pipe' },
  );
  server = createServer();
  server.methods({
    add: (a, b) => (a as number) + (b as number),
    deny() {
      throw new DDPError('not-allowed', 'Nope');
    },
    range: (n) => Array.from({ length: n as number }, (_, i) => i),
  });
  base = `127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
}, 240_000);

afterAll(async () => {
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the packed packages', () => {
  it('are every public package, with LICENSE, README and CHANGELOG, and no workspace: or source leftovers', () => {
    expect(packages.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        '@ddpx/cli',
        '@ddpx/client',
        '@ddpx/protocol',
        '@ddpx/react',
        '@ddpx/server',
        '@ddpx/statecharts',
      ]),
    );
    for (const pkg of packages) {
      const dir = join(app, 'node_modules', ...pkg.name.split('/'));
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      const text = JSON.stringify(manifest);
      expect(text, pkg.name).not.toContain('workspace:');
      expect(text, pkg.name).not.toContain('"source"');
      expect(Object.keys(manifest.exports as object), pkg.name).toEqual(
        Object.keys(pkg.manifest.exports as object),
      );
      expect(manifest).toMatchObject({ license: 'MIT', repository: { type: 'git' } });
      for (const file of ['LICENSE', 'README.md', 'CHANGELOG.md']) {
        expect(readFileSync(join(dir, file), 'utf8').length, `${pkg.name}/${file}`).toBeGreaterThan(100);
      }
    }
  });

  it("run getting-started's server and client samples", async () => {
    const port = await freePort();
    const local = (code: string) =>
      code
        .replace('listen(3000)', `listen(${port}, '127.0.0.1')`)
        .replace('http://localhost:3000', `http://127.0.0.1:${port}`);
    writeFileSync(
      join(app, 'server.mjs'),
      `${toJavaScript(local(sampleAfter('getting-started.md', 'A server in ten lines')))}\nconsole.log('listening');\n`,
    );
    writeFileSync(
      join(app, 'client.mjs'),
      toJavaScript(local(sampleAfter('getting-started.md', 'A client in ten lines'))),
    );
    writeFileSync(
      join(app, 'App.mjs'),
      toJavaScript(local(sampleAfter('getting-started.md', 'React in ten lines'))),
    );
    writeFileSync(
      join(app, 'render.mjs'),
      `import { renderToString } from 'react-dom/server';\nimport { jsx } from 'react/jsx-runtime';\nimport { App } from './App.mjs';\nconsole.log(renderToString(jsx(App, {})));\nprocess.exit(0);\n`,
    );
    const serverProcess = spawn(process.execPath, ['server.mjs'], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        serverProcess.stdout.on('data', (c: Buffer) => c.toString().includes('listening') && resolve());
        serverProcess.on('exit', (code) => reject(new Error(`the server sample exited with ${code}`)));
      });
      const client = await run(process.execPath, ['client.mjs'], app);
      expect(client.stderr).toBe('');
      expect(client.code).toBe(0);
      // What getting-started says the sample prints: the current status first, then each change.
      expect(client.stdout.split('\n').slice(0, 2)).toEqual(['connecting 0', 'connected 0']);
      expect(client.stdout.trim().split('\n').at(-1)).toBe('failed 0');
      expect(client.stdout).toContain("5 [ { text: 'hello', _id: 'm1' } ]");
      const react = await run(process.execPath, ['render.mjs'], app);
      expect(react.stderr).toBe('');
      expect(react.stdout).toMatch(/^<p>connecting(<!-- -->)?: (<!-- -->)?loading…<\/p>\n$/);
      const cli = await run('npx', ['ddpx', 'call', `127.0.0.1:${port}`, 'secret'], app);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('secret failed: Log in first [not-authorized]');
    } finally {
      serverProcess.kill();
    }
  });

  it('subpath entries load: @ddpx/statecharts/testing, and @ddpx/testing without playwright-core', async () => {
    const script = [
      "const kit = await import('@ddpx/testing');",
      "const paths = await import('@ddpx/statecharts/testing');",
      "const main = await import('@ddpx/statecharts');",
      'console.log(typeof kit.startFaultProxy, typeof kit.RawClient, typeof paths.connectionTestPaths, "connectionTestPaths" in main);',
      "await import('@ddpx/testing/browser').then((b) => b.launchChromium()).catch((e) => console.log(e.message));",
    ].join('\n');
    writeFileSync(join(app, 'subpaths.mjs'), script);
    const out = await run(process.execPath, ['subpaths.mjs'], app);
    expect(out.stderr).toBe('');
    const [first, second] = out.stdout.trim().split('\n');
    expect(first).toBe('function function function false');
    // playwright-core is an optional peer: not installed here, so only launchChromium() fails, clearly.
    expect(second).toMatch(
      /needs playwright-core: npm i -D playwright-core|not found: apt-get install -y chromium/,
    );
  });

  it('typecheck for a TypeScript user (strict, NodeNext, skipLibCheck off)', () => {
    writeFileSync(
      join(app, 'consumer.ts'),
      [
        "import { connect, type ClientStatus } from '@ddpx/client';",
        "import { createServer } from '@ddpx/server';",
        "import { DDPProvider, useStatus } from '@ddpx/react';",
        "import { backoff } from '@ddpx/statecharts';",
        "import { parse } from '@ddpx/protocol';",
        "import { EXIT, runCli } from '@ddpx/cli';",
        "import { type FaultProxy, RawClient } from '@ddpx/testing';",
        "import { connectionTestPaths } from '@ddpx/statecharts/testing';",
        "const status: ClientStatus = connect('localhost:3000', { autoConnect: false }).status();",
        'console.log(status, createServer(), DDPProvider, useStatus, backoff(3), parse, EXIT.ok, runCli);',
        'const retarget = (proxy: FaultProxy) => proxy.retarget(3001, { cut: true });',
        'console.log(RawClient, retarget, connectionTestPaths);',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(REPO_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
        cwd: app,
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout);
    }
    expect(output).toBe('');
  }, 90_000);
});

describe('ddpx, every documented way to run it', () => {
  it('npx ddpx: exit codes 0, 1, 2, 3', async () => {
    const ok = await run('npx', ['ddpx', 'call', base, 'add', '2', '3'], app);
    expect(ok).toMatchObject({ code: 0, stdout: '5\n', stderr: '' });
    const denied = await run('npx', ['ddpx', 'call', base, 'deny'], app);
    expect(denied).toMatchObject({ code: 1, stdout: '', stderr: 'ddpx: deny failed: Nope [not-allowed]\n' });
    const usage = await run('npx', ['ddpx', 'call', 'ftp://x', 'add'], app);
    expect(usage.code).toBe(2);
    const refused = await run('npx', ['ddpx', 'call', `127.0.0.1:${await freePort()}`, 'add'], app);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('connection refused');
  });

  it('node node_modules/@ddpx/cli/dist/bin.js: exit codes 0 and 1', async () => {
    const bin = 'node_modules/@ddpx/cli/dist/bin.js';
    expect(await run(process.execPath, [bin, 'call', base, 'add', '2', '3'], app)).toMatchObject({
      code: 0,
      stdout: '5\n',
    });
    expect((await run(process.execPath, [bin, 'call', base, 'deny'], app)).code).toBe(1);
  });

  it('npx ddpx … | head: exit 0, no EPIPE', async () => {
    const line = `npx ddpx call ${base} range 50000 | head -n 2; exit \${PIPESTATUS[0]}`;
    const piped = await run('bash', ['-c', line], app);
    expect(piped).toMatchObject({ code: 0, stdout: '[\n  0,\n', stderr: '' });
  });

  it('npx ddpx inspect without @ddpx/inspector: says to install it (exit 2)', async () => {
    const inspectorPacked = packages.some((p) => p.name === '@ddpx/inspector');
    const inspect = await run('npx', ['ddpx', 'inspect', '--help'], app);
    if (inspectorPacked) expect(inspect.stderr).not.toContain('install @ddpx/inspector');
    else
      expect(inspect).toMatchObject({ code: 2, stderr: expect.stringContaining('install @ddpx/inspector') });
  });

  it('in the repository, npx ddpx (the built bin) and pnpm -s ddpx (the sources) keep the exit codes', async () => {
    const built = await run('npx', ['ddpx', 'call', base, 'add', '2', '3'], REPO_DIR);
    expect(built).toMatchObject({ code: 0, stdout: '5\n', stderr: '' });
    const ok = await run('pnpm', ['-s', 'ddpx', 'call', base, 'add', '2', '3'], REPO_DIR);
    expect(ok).toMatchObject({ code: 0, stdout: '5\n' });
    const refused = await run(
      'pnpm',
      ['-s', 'ddpx', 'call', `127.0.0.1:${await freePort()}`, 'add'],
      REPO_DIR,
    );
    expect(refused.code).toBe(3);
  });
});
