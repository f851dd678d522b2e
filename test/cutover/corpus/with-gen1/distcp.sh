#!/usr/bin/env bash
# Copy yesterday's landing folder from HDFS to the lake.
set -euo pipefail
DAY=$(date -d yesterday +%F)
hadoop distcp \
  -Dfs.adl.oauth2.access.token.provider.type=ClientCredential \
  -Dfs.adl.oauth2.client.id="$CLIENT_ID" \
  -Dfs.adl.oauth2.credential="$CLIENT_SECRET" \
  -Dfs.adl.oauth2.refresh.url="https://login.microsoftonline.com/$TENANT/oauth2/token" \
  "hdfs:///landing/$DAY" \
  "adl://contoso.azuredatalakestore.net/raw/landing/$DAY"
hadoop credential create dfs.adls.oauth2.credential -value "$CLIENT_SECRET" -provider localjceks://file/home/etl/adls.jceks
hdfs dfs -ls adl://home/clusters/etl/tmp
