// Databricks notebook source
val configs = Map(
  "dfs.adls.oauth2.access.token.provider.type" -> "ClientCredential",
  "dfs.adls.oauth2.client.id" -> dbutils.secrets.get(scope = "lake", key = "spn-id"),
  "dfs.adls.oauth2.credential" -> dbutils.secrets.get(scope = "lake", key = "spn-secret"),
  "dfs.adls.oauth2.refresh.url" -> "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/oauth2/token")

dbutils.fs.mount(
  source = "adl://contoso.azuredatalakestore.net/curated",
  mountPoint = "/mnt/curated",
  extraConfigs = configs)

// COMMAND ----------

spark.sparkContext.hadoopConfiguration.set("fs.adl.account.contoso.oauth2.client.id", dbutils.secrets.get("lake", "spn-id"))
val sales = spark.read.parquet("adl://contoso.azuredatalakestore.net/curated/sales")
display(sales)
