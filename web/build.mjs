// Builds the dashboard into the server's wwwroot (committed, embedded by the server):
//   node build.mjs          writes index.html, app.js, app.css
//   node build.mjs --check  builds into a temp dir and fails if the committed files differ
// The output is deterministic: the same sources and esbuild version give byte-identical files.
import { build } from 'esbuild';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wwwroot = join(here, '..', 'src', 'Sluice.Server', 'Dashboard', 'wwwroot');
const FILES = ['index.html', 'app.js', 'app.css', 'favicon.svg'];

// uPlot's notice is a plain comment that minifying drops; its MIT licence asks for it to be kept.
const uplotVersion = JSON.parse(await readFile(join(here, 'node_modules', 'uplot', 'package.json'), 'utf8')).version;
const notice = `/*! Sluice dashboard. Includes uPlot ${uplotVersion}, (c) 2025 Leon Sorokin, MIT licence, https://github.com/leeoniya/uPlot */`;

async function buildInto(outDir) {
  const common = {
    bundle: true,
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
    absWorkingDir: here,
    legalComments: 'eof',
    charset: 'utf8',
    banner: { js: notice, css: notice },
  };
  await build({
    ...common,
    entryPoints: [join(here, 'src', 'main.ts')],
    outfile: join(outDir, 'app.js'),
    format: 'iife',
    target: 'es2020',
    platform: 'browser',
  });
  await build({
    ...common,
    entryPoints: [join(here, 'src', 'styles.css')],
    outfile: join(outDir, 'app.css'),
    target: ['chrome90', 'firefox90', 'safari14'],
  });
  await copyFile(join(here, 'src', 'index.html'), join(outDir, 'index.html'));
  await copyFile(join(here, 'src', 'favicon.svg'), join(outDir, 'favicon.svg'));
}

async function check() {
  const temp = await mkdtemp(join(tmpdir(), 'sluice-web-'));
  try {
    await buildInto(temp);
    const problems = [];
    for (const name of FILES) {
      const fresh = await readFile(join(temp, name));
      const committed = await readFile(join(wwwroot, name)).catch(() => null);
      if (committed === null) {
        problems.push(`${name}: missing from wwwroot`);
      } else if (!fresh.equals(committed)) {
        problems.push(`${name}: differs from a fresh build (${committed.length} bytes committed, ${fresh.length} built)`);
      }
    }
    const extra = (await readdir(wwwroot).catch(() => [])).filter((name) => !FILES.includes(name));
    for (const name of extra) {
      problems.push(`${name}: in wwwroot but not made by the build`);
    }
    if (problems.length > 0) {
      console.error(`wwwroot is out of date; run \`npm run build\` in web/ and commit the result:\n  ${problems.join('\n  ')}`);
      process.exit(1);
    }
    console.log('wwwroot matches a fresh build.');
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

if (process.argv.includes('--check')) {
  await check();
} else {
  await buildInto(wwwroot);
  console.log(`Built ${FILES.join(', ')} into ${wwwroot}`);
}
