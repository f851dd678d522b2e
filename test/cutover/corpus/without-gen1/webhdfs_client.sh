#!/bin/sh
# List a folder on the on-premises cluster through WebHDFS.
curl -s "http://namenode.internal:50070/webhdfs/v1/user/etl/landing?op=LISTSTATUS"
hdfs dfs -ls webhdfs://namenode.internal:50070/user/etl
