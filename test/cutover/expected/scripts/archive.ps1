#Requires -Modules Az.DataLakeStore
param([string]$Day = (Get-Date -Format 'yyyy-MM-dd'))

$account = 'contoso'
Get-AzDataLakeStoreChildItem -Account $account -Path "/raw/logs/$Day" |
    ForEach-Object {
        Export-AzDataLakeStoreItem -Account $account -Path $_.Path -Destination "D:\archive\$Day\$($_.Name)"
    }
Set-AzDataLakeStoreItemExpiry -Account $account -Path "/raw/logs/$Day" -Expiration (Get-Date).AddDays(30)
az dls fs list --account contoso --path /raw/logs
