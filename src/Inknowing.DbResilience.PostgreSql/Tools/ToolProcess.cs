using System.Diagnostics;
using System.Text;

namespace Inknowing.DbResilience.PostgreSql.Tools;

/// <summary>
/// One running PostgreSQL tool: arguments as a list, secrets only in the environment, standard output as a stream,
/// standard error kept in a bounded buffer with secrets redacted, and the whole process tree killed on cancellation.
/// </summary>
internal sealed class ToolProcess : IAsyncDisposable
{
    private const int StandardErrorLimit = 16 * 1024;

    private readonly Process _process;
    private readonly ToolStartInfo _startInfo;
    private readonly StringBuilder _standardError = new();
    private readonly Task _standardErrorPump;
    private int _exited;

    private ToolProcess(Process process, ToolStartInfo startInfo)
    {
        _process = process;
        _startInfo = startInfo;
        _standardErrorPump = PumpStandardErrorAsync();
    }

    /// <summary>Gets the tool's standard output.</summary>
    public Stream StandardOutput => _process.StandardOutput.BaseStream;

    /// <summary>Gets the tool's standard input; only when <see cref="ToolStartInfo.RedirectStandardInput"/> was set.</summary>
    public Stream StandardInput => _process.StandardInput.BaseStream;

    /// <summary>Gets the short name of the tool.</summary>
    public string ToolName => _startInfo.ToolName;

    /// <summary>Gets the process id.</summary>
    public int Id => _process.Id;

    /// <summary>Starts a tool.</summary>
    /// <exception cref="ExternalToolException">The executable could not be started.</exception>
    public static ToolProcess Start(ToolStartInfo startInfo)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = startInfo.RedirectStandardInput,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = startInfo.WorkingDirectory ?? string.Empty,
        };

        if (startInfo.RunAsUser is { } user && ToolLocator.IsRoot)
        {
            // runuser keeps the environment (PGPASSWORD and the like) and takes the arguments one by one.
            psi.FileName = ToolLocator.FindSystemExecutable("runuser");
            psi.ArgumentList.Add("-u");
            psi.ArgumentList.Add(user);
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(startInfo.FileName);
        }
        else
        {
            psi.FileName = startInfo.FileName;
        }

        foreach (var argument in startInfo.Arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        // Never inherit the parent's libpq settings: the caller decides every connection parameter.
        foreach (var name in new[] { "PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGOPTIONS" })
        {
            psi.Environment.Remove(name);
        }

        psi.Environment["LC_MESSAGES"] = "C";
        foreach (var (name, value) in startInfo.Environment)
        {
            psi.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new ExternalToolException($"{startInfo.ToolName} could not be started.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new ExternalToolException(
                $"{startInfo.ToolName} could not be started from '{startInfo.FileName}': {ex.Message}. "
                + "Install the PostgreSQL client tools (apt-get install postgresql-15) or set PostgreSqlOptions.ToolsDirectory.",
                ex);
        }

        return new ToolProcess(process, startInfo);
    }

    /// <summary>Runs a tool to its end, capturing standard output as text, and throws when it fails.</summary>
    /// <returns>What the tool wrote to standard output.</returns>
    /// <exception cref="ExternalToolException">The tool could not start or exited with a non-zero code.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the tool was killed.</exception>
    public static async Task<string> RunAsync(ToolStartInfo startInfo, CancellationToken cancellationToken)
    {
        await using var process = Start(startInfo);
        if (startInfo.RedirectStandardInput)
        {
            process.StandardInput.Dispose();
        }

        using var reader = new StreamReader(process.StandardOutput, Encoding.UTF8);
        var output = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
        return output;
    }

    /// <summary>Waits for the tool to exit; kills its whole process tree when the token is cancelled.</summary>
    /// <returns>The exit code.</returns>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw;
        }

        await _standardErrorPump.ConfigureAwait(false);
        Interlocked.Exchange(ref _exited, 1);
        return _process.ExitCode;
    }

    /// <summary>Waits for the tool to exit and throws when its exit code is not zero.</summary>
    /// <exception cref="ExternalToolException">The tool exited with a non-zero code.</exception>
    public async Task WaitForSuccessAsync(CancellationToken cancellationToken)
    {
        var exitCode = await WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new ExternalToolException(ToolName, exitCode, GetStandardError());
        }
    }

    /// <summary>Gets the end of what the tool wrote to standard error so far, with secrets replaced by <c>***</c>.</summary>
    public string GetStandardError()
    {
        string text;
        lock (_standardError)
        {
            text = _standardError.ToString();
        }

        foreach (var secret in _startInfo.Secrets)
        {
            if (!string.IsNullOrEmpty(secret))
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>Kills the tool and every process it started.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _exited) == 0)
        {
            Kill();
            try
            {
                await _process.WaitForExitAsync().ConfigureAwait(false);
                await _standardErrorPump.ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // The process never started properly.
            }
        }

        _process.Dispose();
    }

    private async Task PumpStandardErrorAsync()
    {
        var buffer = new char[4096];
        var reader = _process.StandardError;
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
        {
            lock (_standardError)
            {
                _standardError.Append(buffer, 0, read);
                if (_standardError.Length > StandardErrorLimit)
                {
                    _standardError.Remove(0, _standardError.Length - StandardErrorLimit);
                }
            }
        }
    }
}
