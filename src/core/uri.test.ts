import { describe, expect, it } from 'vitest';
import { formatLocation, parseLocation, redactUri } from './uri.js';
import { StorageError } from './errors.js';

describe('parseLocation', () => {
  it('parses adl:// URIs', () => {
    expect(parseLocation('adl://contoso.azuredatalakestore.net/raw/sales')).toEqual({
      kind: 'gen1', account: 'contoso', endpoint: 'https://contoso.azuredatalakestore.net', path: 'raw/sales', loopback: false,
    });
  });

  it('parses Gen1 https and emulator WebHDFS URLs, decoding %2F and doubled slashes', () => {
    expect(parseLocation('https://contoso.azuredatalakestore.net/webhdfs/v1/a%20b//c')).toMatchObject({ kind: 'gen1', account: 'contoso', path: 'a b/c' });
    expect(parseLocation('http://127.0.0.1:8081/webhdfs/v1/x%2Fy')).toMatchObject({ kind: 'gen1', endpoint: 'http://127.0.0.1:8081', path: 'x/y', loopback: true });
  });

  it('parses abfss:// and https DFS/Blob URLs', () => {
    expect(parseLocation('abfss://gen1@contoso.dfs.core.windows.net/landing')).toMatchObject({
      kind: 'gen2', account: 'contoso', filesystem: 'gen1', path: 'landing', dfsEndpoint: 'https://contoso.dfs.core.windows.net', blobEndpoint: 'https://contoso.blob.core.windows.net', pathStyle: false,
    });
    expect(parseLocation('https://contoso.blob.core.windows.net/data/x/y')).toMatchObject({ kind: 'gen2', filesystem: 'data', path: 'x/y' });
  });

  it('parses path-style emulator URLs and keeps a SAS aside', () => {
    const loc = parseLocation('http://127.0.0.1:10000/devstoreaccount1/fs1/dir/file?sv=2021-12-02&sig=abc');
    expect(loc).toMatchObject({ kind: 'gen2', account: 'devstoreaccount1', filesystem: 'fs1', path: 'dir/file', dfsEndpoint: 'http://127.0.0.1:10000/devstoreaccount1', pathStyle: true, loopback: true, sas: 'sv=2021-12-02&sig=abc' });
  });

  it('parses local paths and memory stores', () => {
    expect(parseLocation('./data/../lake', '/home/u')).toEqual({ kind: 'local', root: '/home/u/lake', path: '' });
    expect(parseLocation('file:///tmp/x')).toEqual({ kind: 'local', root: '/tmp/x', path: '' });
    expect(parseLocation('memory://m/a/b')).toEqual({ kind: 'memory', name: 'm', path: 'a/b' });
  });

  it.each([
    ['', /empty/],
    ['s3://bucket/x', /scheme 's3' is not supported/],
    ['adl://example.com/x', /not an azuredatalakestore.net host/],
    ['abfss://contoso.dfs.core.windows.net/x', /names no filesystem/],
    ['abfss://Bad_Name@contoso.dfs.core.windows.net/x', /not a valid filesystem name/],
    ['https://contoso.azuredatalakestore.net/raw', /must contain \/webhdfs\/v1\//],
    ['http://127.0.0.1:9/webhdfs/v1/a/../b', /contains '\.\.'/],
    ['http://127.0.0.1:9/webhdfs/v1/a/%2E%2E/b', /contains '\.\.'/],
    ['http://127.0.0.1:9/webhdfs/v1/a%zz', /percent-encoding/],
    ['https://example.com/fs/x', /neither a Gen1, a Gen2 nor a path-style/],
  ])('refuses %s with a clear invalid-argument error', (uri, message) => {
    let error: unknown;
    try {
      parseLocation(uri);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('invalid-argument');
    expect((error as StorageError).message).toMatch(message);
  });

  it('formats locations back without secrets', () => {
    expect(formatLocation(parseLocation('adl://contoso.azuredatalakestore.net/a b'))).toBe('adl://contoso.azuredatalakestore.net/a%20b');
    expect(formatLocation(parseLocation('http://127.0.0.1:10000/devstoreaccount1/fs1/d?sig=secret'))).toBe('http://127.0.0.1:10000/devstoreaccount1/fs1/d');
  });
});

describe('redactUri', () => {
  it('removes SAS signatures, account keys and bearer tokens', () => {
    const text = 'GET http://h/a?sv=1&sig=SECRET1&se=2 AccountKey=SECRET2; Authorization: Bearer SECRET3.x.y';
    const out = redactUri(text);
    expect(out).not.toMatch(/SECRET/);
    expect(out).toContain('sig=REDACTED');
  });
  it('removes passwords from URL user info, and leaves user names, ports and abfss filesystems alone', () => {
    const text = 'Cannot reach postgres://lake:SECRET4@db.example:5432/jobs nor redis://:SECRET5@127.0.0.1:6379 nor rediss://u:SECRET6@r:6380/0';
    const out = redactUri(text);
    expect(out).not.toMatch(/SECRET/);
    expect(out).toContain('postgres://lake:REDACTED@db.example:5432/jobs');
    expect(out).toContain('redis://:REDACTED@127.0.0.1:6379');
    expect(redactUri('abfss://fs@acct.dfs.core.windows.net/p and http://127.0.0.1:8080/x@y')).toBe('abfss://fs@acct.dfs.core.windows.net/p and http://127.0.0.1:8080/x@y');
  });
});
