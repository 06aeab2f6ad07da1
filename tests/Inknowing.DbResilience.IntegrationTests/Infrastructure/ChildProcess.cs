using System.Diagnostics;

namespace Inknowing.DbResilience.IntegrationTests.Infrastructure;

/// <summary>Runs a program to its end with a deadline: the SDK (pack, restore, publish, tool install) and installed CLIs.</summary>
internal static class ChildProcess
{
    /// <summary>The outcome of one run: exit code, standard output, standard error, and how long it took.</summary>
    public sealed record Result(int ExitCode, string Output, string Error, TimeSpan Elapsed)
    {
        /// <summary>Gets both streams, for assertion messages.</summary>
        public string Both => Output + Error;
    }

    /// <summary>Runs <paramref name="fileName"/> with an argument list (never a joined string) and extra environment variables.</summary>
    /// <exception cref="TimeoutException">The program ran longer than <paramref name="timeout"/>; it was killed with its children.</exception>
    public static async Task<Result> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} ran longer than {timeout}: {await output}{await error}");
        }

        return new Result(process.ExitCode, await output, await error, stopwatch.Elapsed);
    }
}
