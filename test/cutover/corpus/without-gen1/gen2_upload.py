"""Upload the daily report to the Gen2 lake."""
from azure.identity import ClientSecretCredential
from azure.storage.filedatalake import DataLakeServiceClient

cred = ClientSecretCredential(tenant_id="t", client_id="c", client_secret="s")
service = DataLakeServiceClient(account_url="https://contosoadls.dfs.core.windows.net", credential=cred)
fs = service.get_file_system_client("curated")
fs.get_file_client("reports/daily.csv").upload_data(b"a,b\n", overwrite=True)
paths = [p.name for p in fs.get_paths("reports", recursive=True)]
