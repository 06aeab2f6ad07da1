using System.Diagnostics;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.IntegrationTests.Migrations;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// Runs the built <c>dbresilience</c> CLI as operators do, through <c>sh -c 'umask 022; exec ...'</c> (the common umask), with
/// its own temporary directory (TMPDIR) so that what it leaves behind can be listed, and signals it: SIGINT as Ctrl+C, SIGKILL
/// as a crash.
/// </summary>
internal sealed class ReliabilityCli : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _output;
    private readonly Task<string> _error;

    private ReliabilityCli(Process process)
    {
        _process = process;
        _output = process.StandardOutput.ReadToEndAsync();
        _error = process.StandardError.ReadToEndAsync();
    }

    /// <summary>Gets the CLI's process id (the shell execs it, so it is the CLI's own).</summary>
    public int Id => _process.Id;

    /// <summary>Starts the CLI with a connection string and storage in its environment and <paramref name="temporary"/> as its TMPDIR.</summary>
    public static ReliabilityCli Start(string connectionString, string storage, string temporary, params string[] arguments)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("umask 022; exec dotnet \"$@\"");
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add(CliProcess.DllPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DBRESILIENCE_CONNECTION"] = connectionString;
        info.Environment["DBRESILIENCE_STORAGE"] = new Uri(storage).AbsoluteUri;
        info.Environment.Remove(BackupOptions.EncryptionKeyVariable);
        info.Environment["TMPDIR"] = temporary;
        return new ReliabilityCli(Process.Start(info)!);
    }

    /// <summary>Runs the CLI to its end (three minutes at most).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string connectionString, string storage, string temporary, params string[] arguments)
    {
        using var cli = Start(connectionString, storage, temporary, arguments);
        return await cli.WaitAsync();
    }

    /// <summary>Waits for the end (three minutes at most) and returns the exit code and both streams.</summary>
    public async Task<(int ExitCode, string Output, string Error)> WaitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await _process.WaitForExitAsync(timeout.Token);
        return (_process.ExitCode, await _output, await _error);
    }

    /// <summary>Sends a signal (<c>INT</c>, <c>KILL</c>) to the CLI.</summary>
    public void Signal(string name)
    {
        // Quietly: the CLI may have ended on its own just before.
        using var kill = Process.Start(new ProcessStartInfo("kill")
        {
            ArgumentList = { "-" + name, Id.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardError = true,
        })!;
        kill.StandardError.ReadToEnd();
        kill.WaitForExit();
    }

    /// <summary>Polls until <paramref name="condition"/> holds or the CLI ends; true when it held while the CLI ran.</summary>
    public async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout && !_process.HasExited)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(10);
        }

        return false;
    }

    /// <summary>Returns the command lines (arguments joined by spaces) of the CLI's child processes, read from /proc.</summary>
    public List<string> ChildCommandLines()
    {
        var children = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));

                // Field 4, the parent's id, comes after the command name in parentheses (which may hold spaces).
                var parent = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1];
                if (parent == Id.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    children.Add(File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ').Trim());
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // Not a process directory, or the process ended meanwhile.
            }
        }

        return children;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
