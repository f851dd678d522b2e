function FindProxyForURL(url, host) {
  if (dnsDomainIs(host, "contoso.azuredatalakestore.net")) return "DIRECT";
  if (shExpMatch(host, "*.azuredatalakestore.net")) return "PROXY proxy.corp.example:8080";
  return "PROXY proxy.corp.example:8080";
}
