import { BlobServiceClient, StorageSharedKeyCredential as BlobKey } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, startGen2Emulator, type Gen2Emulator } from './index.js';
import { refusal } from './test-helpers.js';

/** Issue #18: container naming rules (3-63 characters; lowercase letters, digits, single inner hyphens). */

let emu: Gen2Emulator;
let blob: BlobServiceClient;

beforeAll(async () => {
  emu = await startGen2Emulator({});
  blob = new BlobServiceClient(`${emu.url}/${DEV_ACCOUNT}`, new BlobKey(DEV_ACCOUNT, DEV_ACCOUNT_KEY));
});
afterAll(async () => {
  await emu.close();
});

describe('container names through @azure/storage-blob', () => {
  it('refuses a name of the wrong length with 400 OutOfRangeInput', async () => {
    for (const name of ['a', 'ab', 'a'.repeat(64)]) {
      expect(await refusal(() => blob.getContainerClient(name).create()), name).toEqual({ status: 400, code: 'OutOfRangeInput' });
    }
  });
  it('refuses bad characters, a leading/trailing hyphen and a double hyphen with 400 InvalidResourceName', async () => {
    for (const name of ['abc-', '-abc', 'abc--d', 'Acontainer', 'dev_public']) {
      expect(await refusal(() => blob.getContainerClient(name).create()), name).toEqual({ status: 400, code: 'InvalidResourceName' });
    }
  });
  it('refuses container metadata names that are not C# identifiers with 400 InvalidMetadata', async () => {
    for (const name of ['1invalid', 'invalid.name', 'invalid-name']) {
      expect(await refusal(() => blob.getContainerClient(`meta${name.length}x${name.charCodeAt(1)}`).create({ metadata: { [name]: 'v' } })), name).toEqual({ status: 400, code: 'InvalidMetadata' });
    }
  });
  it('accepts names at both length limits', async () => {
    for (const name of ['abc', `a-${'b'.repeat(60)}9`]) {
      expect((await blob.getContainerClient(name).create())._response.status, name).toBe(201);
    }
  });
});
