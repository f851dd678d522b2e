-- Load the fact table from the lake into the dedicated pool.
CREATE MASTER KEY;
GO
CREATE DATABASE SCOPED CREDENTIAL ADLSCredential
WITH
    IDENTITY = '11111111-2222-3333-4444-555555555555@https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/oauth2/token',
    SECRET = '<key>';
GO
CREATE EXTERNAL DATA SOURCE AzureDataLakeStorage
WITH (
    TYPE = HADOOP,
    LOCATION = 'adl://contoso.azuredatalakestore.net',
    CREDENTIAL = ADLSCredential
);
GO
CREATE EXTERNAL TABLE [dbo].[DimProduct_external] (
    [ProductKey] [int] NOT NULL,
    [EnglishProductName] nvarchar(50)
)
WITH (
    LOCATION = '/curated/DimProduct/',
    DATA_SOURCE = AzureDataLakeStorage,
    FILE_FORMAT = TextFileFormat
);
GO
SELECT TOP 10 * FROM OPENROWSET(BULK 'https://contoso.azuredatalakestore.net/webhdfs/v1/curated/sales/*.parquet', FORMAT = 'PARQUET') AS rows;
