using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Inknowing.DbResilience.Testing;

/// <summary>
/// A storage server from npm (the S3-compatible s3rver or fauxqs, or the Azure Blob emulator azurite, installed in
/// eng/test-services), started on a free 127.0.0.1 port.
/// Shared by the integration tests and the benchmarks (linked into both projects).
/// </summary>
public sealed class S3TestServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string? _dataDirectory;

    private S3TestServer(string name, Process process, int port, string? dataDirectory, bool requiresCompatibilityMode, bool tls = false)
    {
        Name = name;
        Tls = tls;
        _process = process;
        Port = port;
        _dataDirectory = dataDirectory;
        RequiresCompatibilityMode = requiresCompatibilityMode;
    }

    /// <summary>Gets the server's name: <c>s3rver</c> or <c>fauxqs</c>.</summary>
    public string Name { get; }

    /// <summary>Gets the port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Gets a value indicating whether the server speaks HTTPS (s3rver started with a certificate).</summary>
    public bool Tls { get; }

    /// <summary>Gets the endpoint URL.</summary>
    public Uri Endpoint => new($"{(Tls ? "https" : "http")}://127.0.0.1:{Port}");

    /// <summary>Gets a value indicating whether the server needs the S3 compatibility setting (no flexible checksums, no aws-chunked bodies).</summary>
    public bool RequiresCompatibilityMode { get; }

    /// <summary>Gets the access key the servers accept.</summary>
    public static string AccessKey => "S3RVER";

    /// <summary>Gets the secret key the servers accept.</summary>
    public static string SecretKey => "S3RVER";

    /// <summary>Gets eng/test-services of this repository, found above the running binaries.</summary>
    public static string TestServices { get; } = FindTestServices();

    /// <summary>Starts s3rver, over HTTPS when a PEM certificate and key are given (for clients that speak only HTTPS, like pgBackRest).</summary>
    public static Task<S3TestServer> StartS3rverAsync(string? tlsCertificatePath = null, string? tlsKeyPath = null)
    {
        var data = Path.Combine(Path.GetTempPath(), "dbresilience-s3rver-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(data);
        var port = FreePort();
        var start = NodeStartInfo(Path.Combine(TestServices, "node_modules", "s3rver", "bin", "s3rver.js"));
        start.ArgumentList.Add("-d");
        start.ArgumentList.Add(data);
        start.ArgumentList.Add("-a");
        start.ArgumentList.Add("127.0.0.1");
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--no-vhost-buckets");
        if (tlsCertificatePath is not null && tlsKeyPath is not null)
        {
            start.ArgumentList.Add("--cert");
            start.ArgumentList.Add(tlsCertificatePath);
            start.ArgumentList.Add("--key");
            start.ArgumentList.Add(tlsKeyPath);
        }

        // Node 20 needs the legacy provider, or s3rver's paged listings fail with InternalError.
        start.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        return StartAsync("s3rver", start, port, data, requiresCompatibilityMode: true, tls: tlsCertificatePath is not null && tlsKeyPath is not null);
    }

    /// <summary>Starts azurite's Blob service, persisting to a temporary directory removed on dispose; see <see cref="BlobEndpoint"/>.</summary>
    public static Task<S3TestServer> StartAzuriteAsync()
    {
        var data = Path.Combine(Path.GetTempPath(), "dbresilience-azurite-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(data);
        var port = FreePort();
        var start = NodeStartInfo(Path.Combine(TestServices, "node_modules", "azurite", "dist", "src", "blob", "main.js"));
        foreach (var argument in new[] { "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", data, "--silent", "--skipApiVersionCheck" })
        {
            start.ArgumentList.Add(argument);
        }

        return StartAsync("azurite", start, port, data, requiresCompatibilityMode: false);
    }

    /// <summary>Gets azurite's well-known development account.</summary>
    public static string AzuriteAccount => "devstoreaccount1";

    /// <summary>Gets the published key of azurite's development account (not a secret; tests check it never appears in output).</summary>
    public static string AzuriteKey => "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Gets the account's Blob endpoint on azurite, path-style: <c>http://127.0.0.1:PORT/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port}/{AzuriteAccount}");

    /// <summary>Gets a connection string for azurite's development account.</summary>
    public string AzuriteConnectionString
        => $"DefaultEndpointsProtocol=http;AccountName={AzuriteAccount};AccountKey={AzuriteKey};BlobEndpoint={BlobEndpoint};";

    public static Task<S3TestServer> StartFauxqsAsync()
    {
        var port = FreePort();
        var start = NodeStartInfo(Path.Combine(TestServices, "start-fauxqs.mjs"));
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return StartAsync("fauxqs", start, port, null, requiresCompatibilityMode: false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            _process.Dispose();
            if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
        }
    }

    private static ProcessStartInfo NodeStartInfo(string script)
    {
        if (!File.Exists(script))
        {
            throw new FileNotFoundException(
                $"{script} is missing: run eng/install-prerequisites.sh (it runs 'npm ci' in eng/test-services).", script);
        }

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestServices,
        };
        start.ArgumentList.Add(script);
        return start;
    }

    private static async Task<S3TestServer> StartAsync(string name, ProcessStartInfo start, int port, string? data, bool requiresCompatibilityMode, bool tls = false)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"node could not start {name}.");
        var server = new S3TestServer(name, process, port, data, requiresCompatibilityMode, tls);

        // Both pipes are drained for the server's whole life (a full pipe would stall it); the start of stderr is kept for errors.
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                if (e.Data is not null && stderr.Length < 8192)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                var exitCode = process.ExitCode;
                await server.DisposeAsync();
                lock (stderr)
                {
                    throw new InvalidOperationException($"{name} exited with code {exitCode} at start: {stderr}");
                }
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        await server.DisposeAsync();
        throw new TimeoutException($"{name} did not listen on 127.0.0.1:{port} within 30 seconds.");
    }

    private static string FindTestServices()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "eng", "test-services");
            if (File.Exists(Path.Combine(directory.FullName, "Inknowing.DbResilience.sln")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("eng/test-services was not found above " + AppContext.BaseDirectory + ": run the tests from the repository.");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
