param location string = resourceGroup().location

resource lake 'Microsoft.DataLakeStore/accounts@2016-11-01' = {
  name: 'contoso'
  location: location
  properties: {
    firewallState: 'Enabled'
    firewallAllowAzureIps: 'Enabled'
  }
}

resource office 'Microsoft.DataLakeStore/accounts/firewallRules@2016-11-01' = {
  parent: lake
  name: 'office'
  properties: {
    startIpAddress: '203.0.113.10'
    endIpAddress: '203.0.113.20'
  }
}

output endpoint string = '${lake.name}.azuredatalakestore.net'
