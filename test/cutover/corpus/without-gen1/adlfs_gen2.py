import dask.dataframe as dd

opts = {"account_name": "contosoadls", "tenant_id": "t", "client_id": "c", "client_secret": "s"}
df = dd.read_parquet("abfs://curated/features/", storage_options=opts)
df.to_csv("az://curated/exports/features-*.csv", storage_options=opts)
