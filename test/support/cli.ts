import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { builtEntryArgs, root } from '../helper.js'

const run = promisify(execFile)

/** A CLI as a user runs it (`npm run <name>`), in its own process, against the database `env` names. */
export async function runCli(script: string, env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...builtEntryArgs(`cli/${script}`), ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: '', ...env },
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}
