using System.Globalization;

namespace Inknowing.DbResilience.Testing;

/// <summary>
/// An S3-compatible server from npm (s3rver or fauxqs, installed in eng/test-services), started on a free 127.0.0.1 port.
/// Shared by the integration tests and the benchmarks (linked into both projects).
/// </summary>
public sealed class S3TestServer : IAsyncDisposable
{
    private readonly NodeServerProcess _process;

    private S3TestServer(string name, NodeServerProcess process, bool requiresCompatibilityMode, bool tls)
    {
        Name = name;
        _process = process;
        RequiresCompatibilityMode = requiresCompatibilityMode;
        Tls = tls;
    }

    /// <summary>Gets the server's name: <c>s3rver</c> or <c>fauxqs</c>.</summary>
    public string Name { get; }

    /// <summary>Gets the port on 127.0.0.1.</summary>
    public int Port => _process.Port;

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

    /// <summary>Starts s3rver, over HTTPS when a PEM certificate and key are given (for clients that speak only HTTPS, like pgBackRest).</summary>
    public static async Task<S3TestServer> StartS3rverAsync(string? tlsCertificatePath = null, string? tlsKeyPath = null)
    {
        var start = NodeServerProcess.StartInfo(Path.Combine(NodeServerProcess.TestServices, "node_modules", "s3rver", "bin", "s3rver.js"));
        var data = NodeServerProcess.NewDataDirectory("s3rver");
        var port = NodeServerProcess.FreePort();
        foreach (var argument in new[] { "-d", data, "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "--no-vhost-buckets" })
        {
            start.ArgumentList.Add(argument);
        }

        var tls = tlsCertificatePath is not null && tlsKeyPath is not null;
        if (tls)
        {
            start.ArgumentList.Add("--cert");
            start.ArgumentList.Add(tlsCertificatePath!);
            start.ArgumentList.Add("--key");
            start.ArgumentList.Add(tlsKeyPath!);
        }

        // Node 20 needs the legacy provider, or s3rver's paged listings fail with InternalError.
        start.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        return new S3TestServer("s3rver", await NodeServerProcess.StartAsync("s3rver", start, data, port), requiresCompatibilityMode: true, tls);
    }

    /// <summary>Starts fauxqs (in memory).</summary>
    public static async Task<S3TestServer> StartFauxqsAsync()
    {
        var port = NodeServerProcess.FreePort();
        var start = NodeServerProcess.StartInfo(Path.Combine(NodeServerProcess.TestServices, "start-fauxqs.mjs"));
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        return new S3TestServer("fauxqs", await NodeServerProcess.StartAsync("fauxqs", start, null, port), requiresCompatibilityMode: false, tls: false);
    }

    /// <summary>Stops the server and removes its data.</summary>
    /// <returns>A task that completes once it has stopped.</returns>
    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
