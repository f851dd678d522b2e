Import-Module AzureRM.DataLakeStore
Login-AzureRmAccount
$items = Get-AzureRmDataLakeStoreChildItem -AccountName "contoso" -Path "/raw/logs"
foreach ($item in $items) {
    Move-AzureRmDataLakeStoreItem -AccountName "contoso" -Path "/raw/logs/$($item.Name)" -Destination "/archive/logs/$($item.Name)"
}
Join-AdlStoreItem -Account "contoso" -Paths "/archive/logs/a.log","/archive/logs/b.log" -Destination "/archive/logs/all.log"
