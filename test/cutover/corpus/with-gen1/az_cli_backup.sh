#!/bin/sh
az dls fs download --account contoso --source-path /curated/daily --destination-path ./backup --overwrite
az dls fs access set-permission --account contoso --path /curated/daily --permission 750
az dls fs join --account contoso --source-paths /x/a /x/b --destination-path /x/ab
