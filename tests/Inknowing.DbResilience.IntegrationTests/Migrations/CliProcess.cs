using System.Diagnostics;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;

namespace Inknowing.DbResilience.IntegrationTests.Migrations;

/// <summary>Runs the built <c>dbresilience</c> CLI as a separate OS process.</summary>
internal static class CliProcess
{
    public static string DllPath
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(RepositoryPaths.Root, "samples", "Inknowing.DbResilience.Cli", "bin", configuration, "net10.0", "dbresilience.dll");
        }
    }

    public static Process Start(string connectionString, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DBRESILIENCE_CONNECTION"] = connectionString;
        return Process.Start(info)!;
    }

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string connectionString, params string[] arguments)
    {
        using var process = Start(connectionString, arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
