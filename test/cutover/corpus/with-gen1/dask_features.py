import dask.dataframe as dd

storage_options = {
    "tenant_id": "00000000-0000-0000-0000-000000000000",
    "client_id": "11111111-2222-3333-4444-555555555555",
    "client_secret": "<secret>",
}

features = dd.read_parquet("adl://contoso/curated/features/", storage_options=storage_options)
features.to_csv("adl://contoso/curated/exports/features-*.csv", storage_options=storage_options)
