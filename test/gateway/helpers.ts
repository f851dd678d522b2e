import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { GEN1_AUDIENCE, mintToken } from '../../src/emulators/kit/jwt.js';

/** Shared by the gateway suites: a self-signed certificate, tokens, and the Python SDK probe. */

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Writes key.pem and cert.pem (CN and SAN 127.0.0.1) into dir. */
export function selfSignedCert(dir: string): { key: string; cert: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { key, cert };
}

export const USER_OID = '5a000000-0000-4000-8000-0000000000a1';
export const gen1Token = (oid: string = USER_OID): string => mintToken({ oid, audience: GEN1_AUDIENCE });

/** The Python interpreter that has azure-datalake-store (Debian python3-azure-datalake-store), if any. */
export function findPythonWithAdls(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import azure.datalake.store'], { stdio: 'ignore' });
      return py;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

export function call<T>(fn: (cb: (err: any, result?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result as T))));
}

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
