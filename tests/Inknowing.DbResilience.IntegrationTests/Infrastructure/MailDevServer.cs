using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Inknowing.DbResilience.Email;

namespace Inknowing.DbResilience.IntegrationTests.Infrastructure;

/// <summary>
/// maildev from npm (installed in eng/test-services): a real SMTP server on a free 127.0.0.1 port, with authentication, and
/// an HTTP API on another that lists what it received.
/// </summary>
public sealed class MailDevServer : IAsyncDisposable
{
    public const string UserName = "alerts";

    private readonly Process _process;
    private readonly HttpClient _http;

    private MailDevServer(Process process, int smtpPort, int webPort, string password)
    {
        _process = process;
        SmtpPort = smtpPort;
        Password = password;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webPort}/") };
    }

    /// <summary>Gets the SMTP port on 127.0.0.1.</summary>
    public int SmtpPort { get; }

    /// <summary>Gets the password the server requires of <see cref="UserName"/>.</summary>
    public string Password { get; }

    public static async Task<MailDevServer> StartAsync()
    {
        var script = Path.Combine(S3TestServer.TestServices, "node_modules", "maildev", "dist", "bin", "maildev.js");
        if (!File.Exists(script))
        {
            throw new FileNotFoundException($"{script} is missing: run eng/install-prerequisites.sh (it runs 'npm ci' in eng/test-services).", script);
        }

        var smtpPort = S3TestServer.FreePort();
        var webPort = S3TestServer.FreePort();
        var password = "smtp-" + Guid.NewGuid().ToString("N");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = S3TestServer.TestServices,
        };
        foreach (var argument in new[]
                 {
                     script, "--ip", "127.0.0.1", "--web-ip", "127.0.0.1",
                     "--smtp", smtpPort.ToString(CultureInfo.InvariantCulture), "--web", webPort.ToString(CultureInfo.InvariantCulture),
                     "--incoming-user", UserName, "--incoming-pass", password,
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("node could not start maildev.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new MailDevServer(process, smtpPort, webPort, password);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var smtp = new TcpClient();
                await smtp.ConnectAsync(IPAddress.Loopback, smtpPort);
                using var web = new TcpClient();
                await web.ConnectAsync(IPAddress.Loopback, webPort);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        await server.DisposeAsync();
        throw new TimeoutException($"maildev did not listen on 127.0.0.1:{smtpPort} and {webPort} within 30 seconds.");
    }

    /// <summary>Points an email notifier at this server: its port, its credentials, STARTTLS when offered, to <c>ops@example.com</c>.</summary>
    public void Configure(EmailNotifierOptions options)
    {
        options.Host = "127.0.0.1";
        options.Port = SmtpPort;
        options.Security = EmailTransportSecurity.StartTlsWhenAvailable;
        options.UserName = UserName;
        options.Password = Password;
        options.From = "dbresilience@example.com";
        options.To.Add("ops@example.com");
    }

    /// <summary>Returns every message received so far, as maildev's API describes them (subject, text, from, to, ...).</summary>
    public async Task<IReadOnlyList<JsonElement>> GetEmailsAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri("api/email", UriKind.Relative)));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
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
        }
    }
}
