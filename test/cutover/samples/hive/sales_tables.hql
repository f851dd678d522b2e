-- External tables over the raw zone.
CREATE DATABASE IF NOT EXISTS sales LOCATION 'adl://contoso.azuredatalakestore.net/curated/hive/sales.db';

CREATE EXTERNAL TABLE IF NOT EXISTS sales.raw_orders (
  order_id STRING,
  store STRING,
  amount DECIMAL(12,2)
)
PARTITIONED BY (day STRING)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
LOCATION 'adl://contoso.azuredatalakestore.net/raw/orders/';

-- The partner's folder lives in another Gen1 account that is not migrated yet.
CREATE EXTERNAL TABLE IF NOT EXISTS sales.partner_orders (order_id STRING)
LOCATION 'adl://fabrikam.azuredatalakestore.net/shared/orders/';
