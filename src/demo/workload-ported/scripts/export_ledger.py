"""Exports the finance ledgers of the contosolake lake to a local folder for the auditors."""
import os

from azure.identity import ClientSecretCredential
from azure.storage.filedatalake import DataLakeServiceClient

ACCOUNT_URL = "https://contosolake2.dfs.core.windows.net"
FILESYSTEM = "gen1"
LEDGERS = "secure/finance"


def main() -> None:
    credential = ClientSecretCredential(
        tenant_id=os.environ["AZURE_TENANT_ID"],
        client_id=os.environ["AZURE_CLIENT_ID"],
        client_secret=os.environ["AZURE_CLIENT_SECRET"],
    )
    filesystem = DataLakeServiceClient(account_url=ACCOUNT_URL, credential=credential).get_file_system_client(FILESYSTEM)
    for item in filesystem.get_paths(path=LEDGERS):
        if not item.is_directory and item.name.endswith(".csv"):
            with open(os.path.join("out", os.path.basename(item.name)), "wb") as out:
                filesystem.get_file_client(item.name).download_file().readinto(out)


if __name__ == "__main__":
    main()
