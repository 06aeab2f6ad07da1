using System.Globalization;
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

    private readonly NodeServerProcess _process;
    private readonly HttpClient _http;

    private MailDevServer(NodeServerProcess process, int webPort, string password)
    {
        _process = process;
        Password = password;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webPort}/") };
    }

    /// <summary>Gets the SMTP port on 127.0.0.1.</summary>
    public int SmtpPort => _process.Port;

    /// <summary>Gets the password the server requires of <see cref="UserName"/>.</summary>
    public string Password { get; }

    public static async Task<MailDevServer> StartAsync()
    {
        var start = NodeServerProcess.StartInfo(Path.Combine(NodeServerProcess.TestServices, "node_modules", "maildev", "dist", "bin", "maildev.js"));
        var smtpPort = NodeServerProcess.FreePort();
        var webPort = NodeServerProcess.FreePort();
        var password = "smtp-" + Guid.NewGuid().ToString("N");
        foreach (var argument in new[]
                 {
                     "--ip", "127.0.0.1", "--web-ip", "127.0.0.1",
                     "--smtp", smtpPort.ToString(CultureInfo.InvariantCulture), "--web", webPort.ToString(CultureInfo.InvariantCulture),
                     "--incoming-user", UserName, "--incoming-pass", password,
                 })
        {
            start.ArgumentList.Add(argument);
        }

        return new MailDevServer(await NodeServerProcess.StartAsync("maildev", start, null, smtpPort, webPort), webPort, password);
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
        await _process.DisposeAsync();
    }
}
