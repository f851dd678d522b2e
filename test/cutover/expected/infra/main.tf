terraform {
  required_providers {
    azurerm    = { source = "hashicorp/azurerm", version = "~> 2.99" }
    databricks = { source = "databricks/databricks" }
  }
}

resource "azurerm_data_lake_store" "lake" {
  name                = "contoso"
  resource_group_name = azurerm_resource_group.lake.name
  location            = "westeurope"
  encryption_state    = "Enabled"
  firewall_state      = "Enabled"
}

resource "azurerm_data_lake_store_firewall_rule" "office" {
  name                = "office"
  account_name        = azurerm_data_lake_store.lake.name
  resource_group_name = azurerm_resource_group.lake.name
  start_ip_address    = "203.0.113.10"
  end_ip_address      = "203.0.113.20"
}

resource "databricks_mount" "raw" {
  name = "raw"
  adl {
    storage_resource_name = "contoso"
    tenant_id             = var.tenant_id
    client_id             = var.client_id
    client_secret_scope   = "lake"
    client_secret_key     = "spn-secret"
    directory             = "/raw"
  }
}

output "lake_endpoint" {
  value = "abfss://gen1@contosoadls.dfs.core.windows.net/"
}
