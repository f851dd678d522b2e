from datetime import datetime

from airflow import DAG
from airflow.providers.microsoft.azure.hooks.data_lake import AzureDataLakeHook
from airflow.operators.python import PythonOperator


def upload_report(**_):
    hook = AzureDataLakeHook(azure_data_lake_conn_id="adls_contoso")
    hook.upload_file(local_path="/tmp/report.csv", remote_path="/curated/reports/report.csv")


with DAG("ingest_reports", start_date=datetime(2023, 1, 1), schedule="@daily") as dag:
    PythonOperator(task_id="upload", python_callable=upload_report)
