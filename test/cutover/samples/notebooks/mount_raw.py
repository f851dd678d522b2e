# Databricks notebook source
# MAGIC %md
# MAGIC ## Mount the raw zone
# MAGIC Mounts the Gen1 raw folder at /mnt/raw for the ingestion jobs.

# COMMAND ----------

configs = {
  "fs.adl.oauth2.access.token.provider.type": "ClientCredential",
  "fs.adl.oauth2.client.id": dbutils.secrets.get(scope = "lake", key = "spn-id"),
  "fs.adl.oauth2.credential": dbutils.secrets.get(scope = "lake", key = "spn-secret"),
  "fs.adl.oauth2.refresh.url": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/oauth2/token"
}

if any(m.mountPoint == "/mnt/raw" for m in dbutils.fs.mounts()):
    dbutils.fs.unmount("/mnt/raw")

dbutils.fs.mount(
  source = "adl://contoso.azuredatalakestore.net/raw",
  mount_point = "/mnt/raw",
  extra_configs = configs)

# COMMAND ----------

display(dbutils.fs.ls("/mnt/raw/sales"))
