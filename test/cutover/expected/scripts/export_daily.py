"""Nightly export of the curated zone to the partner share (runs on the ops VM)."""
import os

from azure.datalake.store import core, lib, multithread

STORE = "contoso"

token = lib.auth(tenant_id=os.environ["TENANT_ID"],
                 client_id=os.environ["CLIENT_ID"],
                 client_secret=os.environ["CLIENT_SECRET"])
adl = core.AzureDLFileSystem(token, store_name='contoso')

for path in adl.ls("/curated/exports"):
    print(path, adl.du(path, total=True))

multithread.ADLDownloader(adl, rpath="/curated/exports/daily.parquet",
                          lpath="/data/out/daily.parquet", nthreads=8, overwrite=True)

# Join yesterday's part files into one before the partner picks it up.
adl.concat("/curated/exports/all.csv", ["/curated/exports/part-0.csv", "/curated/exports/part-1.csv"])

# The job report goes to the raw zone through the REST endpoint.
REPORT_URL = "https://contoso.azuredatalakestore.net/webhdfs/v1/raw/reports/daily.txt?op=CREATE&overwrite=true"
