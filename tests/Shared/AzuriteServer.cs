using System.Globalization;

namespace Inknowing.DbResilience.Testing;

/// <summary>
/// azurite's Blob service (the Azure Blob Storage emulator from npm, installed in eng/test-services) on a free 127.0.0.1 port,
/// persisting to a temporary directory removed on dispose; its development account is addressed path-style at
/// <see cref="BlobEndpoint"/>.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    private readonly NodeServerProcess _process;

    private AzuriteServer(NodeServerProcess process) => _process = process;

    /// <summary>Gets azurite's well-known development account.</summary>
    public static string AccountName => "devstoreaccount1";

    /// <summary>Gets the published key of azurite's development account (not a secret; tests check it never appears in output).</summary>
    public static string AccountKey => "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Gets the port on 127.0.0.1.</summary>
    public int Port => _process.Port;

    /// <summary>Gets the account's Blob endpoint, path-style: <c>http://127.0.0.1:PORT/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port}/{AccountName}");

    /// <summary>Gets a connection string for the development account.</summary>
    public string ConnectionString
        => $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};";

    /// <summary>Starts azurite's Blob service.</summary>
    /// <returns>The running server.</returns>
    public static async Task<AzuriteServer> StartAsync()
    {
        var start = NodeServerProcess.StartInfo(Path.Combine(NodeServerProcess.TestServices, "node_modules", "azurite", "dist", "src", "blob", "main.js"));
        var data = NodeServerProcess.NewDataDirectory("azurite");
        var port = NodeServerProcess.FreePort();
        foreach (var argument in new[] { "--blobHost", "127.0.0.1", "--blobPort", port.ToString(CultureInfo.InvariantCulture), "--location", data, "--silent", "--skipApiVersionCheck" })
        {
            start.ArgumentList.Add(argument);
        }

        return new AzuriteServer(await NodeServerProcess.StartAsync("azurite", start, data, port));
    }

    /// <summary>Stops the server and removes its data.</summary>
    /// <returns>A task that completes once it has stopped.</returns>
    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
