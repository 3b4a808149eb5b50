import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// tap runs this once before the test files (package.json, tap.before): the server and the CLIs that tests
// start in processes of their own run from dist/, as `npm start` and `npm run <cli>` run them, built here
// from the sources under test. The build is incremental, and skipped when no source is newer than it (a
// no-op tsc run still costs seconds of CPU). Its build info lives in dist/: a deleted dist/ is rebuilt whole.
// (The repository's root, as test/helper.ts has it: importing that would load the app.)
const root = fileURLToPath(new URL('../../', import.meta.url))
const buildInfo = join(root, 'dist', '.tsbuildinfo')

function newestChange(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))))
}

const sources = ['src', 'tsconfig.json', 'package-lock.json'].map((path) => join(root, path))
if (!existsSync(buildInfo) || statSync(buildInfo).mtimeMs < Math.max(...sources.map(newestChange))) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--incremental', '--tsBuildInfoFile', buildInfo], {
    cwd: root,
    stdio: 'inherit',
  })
  if (build.status !== 0) {
    console.error('test/support/build.ts: the build (tsc -p tsconfig.json) failed, and no test runs against an older dist/')
    process.exit(build.status ?? 1)
  }
  // tsc leaves the build info as it was when nothing changed: dated now, so the next run skips the build.
  const now = new Date()
  utimesSync(buildInfo, now, now)
}
