"""Exports the finance ledgers of the contosolake lake to a local folder for the auditors."""
import os

from azure.datalake.store import core, lib, multithread

STORE = "contosolake"
LEDGERS = "/secure/finance"


def main() -> None:
    token = lib.auth(
        tenant_id=os.environ["AZURE_TENANT_ID"],
        client_id=os.environ["AZURE_CLIENT_ID"],
        client_secret=os.environ["AZURE_CLIENT_SECRET"],
    )
    adl = core.AzureDLFileSystem(token, store_name=STORE)
    for path in adl.ls(LEDGERS):
        if path.endswith(".csv"):
            multithread.ADLDownloader(adl, rpath=path, lpath=os.path.join("out", os.path.basename(path)), overwrite=True)


if __name__ == "__main__":
    main()
