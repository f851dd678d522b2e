using System;
using System.Threading.Tasks;
using Microsoft.Azure.DataLake.Store;
using Microsoft.Rest.Azure.Authentication;
using Microsoft.IdentityModel.Clients.ActiveDirectory;

namespace Telemetry.Sink
{
    public static class Program
    {
        public static async Task Main(string[] args)
        {
            var creds = await ApplicationTokenProvider.LoginSilentAsync(args[0], new ClientCredential(args[1], args[2]));
            AdlsClient client = AdlsClient.CreateClient("contoso.azuredatalakestore.net", creds);
            var line = System.Text.Encoding.UTF8.GetBytes("event\n");
            client.ConcurrentAppend("/raw/telemetry/events.log", true, line, 0, line.Length);
            client.SetExpiryTime("/raw/telemetry/events.log", ExpiryOption.RelativeToCreationDate, 7 * 24 * 3600 * 1000L);
        }
    }
}
