import { GEN1_AUDIENCE, mintToken } from '../../src/emulators/kit/jwt.js';

/** Shared by the gateway suites: tokens and the Python runner; the official-client helpers are the Gen1 emulator suites' own. */
export { call, findPythonWithAdls, hasOpenssl, openText, selfSignedCert } from '../../src/emulators/gen1/test-support.js';



export const USER_OID = '5a000000-0000-4000-8000-0000000000a1';
export const gen1Token = (oid: string = USER_OID): string => mintToken({ oid, audience: GEN1_AUDIENCE });



/** Runs a Python script with args; resolves its parsed JSON stdout. */
export async function runPython(python: string, script: string, args: string[], caFile: string): Promise<any> {
  const { execFile } = await import('node:child_process');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(python, ['-c', script, ...args], { env: { ...process.env, REQUESTS_CA_BUNDLE: caFile }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
  });
  return JSON.parse(stdout);
}

/** The start of every Python script: an AzureDLFileSystem `fs` on argv[1] (the gateway URL) with token argv[2]. */
export const PY_PROLOGUE = String.raw`import hashlib, json, os, sys, time
from azure.datalake.store import core, lib
url, token = sys.argv[1], sys.argv[2]
cred = lib.DataLakeCredential({'tokenType': 'Bearer', 'access': token, 'time': time.time(), 'expiresIn': 3600})
fs = core.AzureDLFileSystem(token=cred, store_name='lakeshift', url_suffix='unused.invalid')
fs.azure.url = url + '/'
`;
