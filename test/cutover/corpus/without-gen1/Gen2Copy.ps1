$ctx = New-AzStorageContext -StorageAccountName "contosoadls" -UseConnectedAccount
Get-AzDataLakeGen2ChildItem -Context $ctx -FileSystem "raw" -Path "logs" -Recurse |
    ForEach-Object { Move-AzDataLakeGen2Item -Context $ctx -FileSystem "raw" -Path $_.Path -DestFileSystem "archive" -DestPath $_.Path }
az storage fs file list --account-name contosoadls -f raw --path logs --auth-mode login
