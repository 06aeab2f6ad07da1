using System.Diagnostics;
using Inknowing.DbResilience.IntegrationTests.Migrations;

namespace Inknowing.DbResilience.IntegrationTests.PointInTime;

/// <summary>Runs the built CLI (or another program) with a given environment, as PostgreSQL's archive_command or an operator would.</summary>
internal static class PitrCli
{
    /// <summary>Gets the dotnet host running the tests, which the server's archive_command can run too.</summary>
    public static string DotnetPath => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "/usr/bin/dotnet";

    /// <summary>Gets the built dbresilience.dll.</summary>
    public static string DllPath => CliProcess.DllPath;

    /// <summary>Runs the CLI with the given environment and arguments; returns its exit code and its output followed by its errors.</summary>
    public static (int ExitCode, string Output) RunCli(Dictionary<string, string> environment, params string[] arguments)
        => Run(DotnetPath, environment, [DllPath, .. arguments]);

    /// <summary>Runs a program with the given environment and arguments; returns its exit code and its output followed by its errors.</summary>
    public static (int ExitCode, string Output) Run(string fileName, Dictionary<string, string> environment, params string[] arguments)
    {
        var (exitCode, output, error) = RunSeparately(fileName, environment, arguments);
        return (exitCode, output + error);
    }

    /// <summary>Runs a program with the given environment and arguments; returns its exit code, its output and its errors apart.</summary>
    public static (int ExitCode, string Output, string Error) RunSeparately(string fileName, Dictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
