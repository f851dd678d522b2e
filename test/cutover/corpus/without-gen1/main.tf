resource "azurerm_storage_account" "lake" {
  name                     = "contosoadls"
  resource_group_name      = azurerm_resource_group.lake.name
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "ZRS"
  account_kind             = "StorageV2"
  is_hns_enabled           = true
}

resource "azurerm_storage_data_lake_gen2_filesystem" "raw" {
  name               = "raw"
  storage_account_id = azurerm_storage_account.lake.id
}

resource "databricks_mount" "raw" {
  name = "raw"
  abfs {
    container_name         = "raw"
    storage_account_name   = "contosoadls"
    client_id              = var.client_id
    tenant_id              = var.tenant_id
    client_secret_scope    = "lake"
    client_secret_key      = "spn-secret"
  }
}
