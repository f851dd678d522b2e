# Databricks notebook source
# MAGIC %md
# MAGIC ## Mount the raw zone
# MAGIC Mounts the Gen1 raw folder at /mnt/raw for the ingestion jobs.

# COMMAND ----------

configs = {
  "fs.azure.account.auth.type": "OAuth",
  "fs.azure.account.oauth.provider.type": "org.apache.hadoop.fs.azurebfs.oauth2.ClientCredsTokenProvider",
  "fs.azure.account.oauth2.client.id": dbutils.secrets.get(scope = "lake", key = "spn-id"),
  "fs.azure.account.oauth2.client.secret": dbutils.secrets.get(scope = "lake", key = "spn-secret"),
  "fs.azure.account.oauth2.client.endpoint": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/oauth2/token"
}

if any(m.mountPoint == "/mnt/raw" for m in dbutils.fs.mounts()):
    dbutils.fs.unmount("/mnt/raw")

dbutils.fs.mount(
  source = "abfss://raw@contosoadls.dfs.core.windows.net/",
  mount_point = "/mnt/raw",
  extra_configs = configs)

# COMMAND ----------

display(dbutils.fs.ls("/mnt/raw/sales"))
