package com.example.ingest;

import com.microsoft.azure.datalake.store.ADLStoreClient;
import com.microsoft.azure.datalake.store.ADLFileOutputStream;
import com.microsoft.azure.datalake.store.IfExists;
import com.microsoft.azure.datalake.store.oauth2.AccessTokenProvider;
import com.microsoft.azure.datalake.store.oauth2.ClientCredsTokenProvider;

import java.io.IOException;
import java.util.Arrays;

public final class AdlsJob {
    private static final String ACCOUNT_FQDN = "contoso.azuredatalakestore.net";

    public static void main(String[] args) throws IOException {
        String authTokenEndpoint = "https://login.microsoftonline.com/" + System.getenv("TENANT") + "/oauth2/token";
        AccessTokenProvider provider = new ClientCredsTokenProvider(authTokenEndpoint, System.getenv("CLIENT_ID"), System.getenv("CLIENT_KEY"));
        ADLStoreClient client = ADLStoreClient.createClient(ACCOUNT_FQDN, provider);

        try (ADLFileOutputStream out = client.createFile("/raw/events/part-0.txt", IfExists.OVERWRITE)) {
            out.write("hello".getBytes());
        }
        client.concatenateFiles("/raw/events/all.txt", Arrays.asList("/raw/events/part-0.txt", "/raw/events/part-1.txt"));
        System.out.println(client.getContentSummary("/raw").length);
    }
}
