'use strict';
const msRestAzure = require('ms-rest-azure');
const adlsManagement = require('azure-arm-datalake-store');

const accountName = 'contoso';

msRestAzure.loginWithServicePrincipalSecret(process.env.CLIENT_ID, process.env.SECRET, process.env.TENANT, (err, credentials) => {
  if (err) throw err;
  const filesystemClient = new adlsManagement.DataLakeStoreFileSystemClient(credentials);
  const body = Buffer.from('row\n');
  filesystemClient.fileSystem.concurrentAppend(accountName, '/raw/clicks/clicks.csv', body, { appendMode: 'autocreate' }, (e) => {
    if (e) console.error(e);
  });
});
