using System.Diagnostics;
using System.Globalization;

namespace Inknowing.DbResilience.Benchmarks;

/// <summary>
/// One build of the <c>dbresilience</c> CLI: its name in the report, the directory it was published into, and whether it is a
/// native binary (<c>dbresilience</c>, run as it is) or an assembly (<c>dbresilience.dll</c>, run by <c>dotnet</c>).
/// </summary>
internal sealed record CliBuild(string Name, string Directory, bool Native = false);

/// <summary>The result of one run of the CLI: its wall-clock time and its peak resident memory (VmHWM).</summary>
internal sealed record CliRun(TimeSpan Time, long PeakBytes, string Output);

/// <summary>
/// The operator's process: the <c>dbresilience</c> CLI with the runtime settings it ships, published into a working
/// directory as <c>dotnet publish</c> gives it (compiled by the JIT as it runs), ReadyToRun (<c>./build.sh publish
/// --readytorun</c>) and NativeAOT (<c>./build.sh publish</c>, what operators install), and run under <c>/usr/bin/time</c>,
/// whose <c>%M</c> is the peak resident memory of that one process.
/// </summary>
internal static class CliProcess
{
    private const string TimeTool = "/usr/bin/time";

    /// <summary>The test servers' keys, for the CLI's environment (the standard AWS chain reads them there, never from arguments).</summary>
    public static IReadOnlyDictionary<string, string> TestServerCredentials { get; } = new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = S3TestServer.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3TestServer.SecretKey,
    };

    /// <summary>
    /// Publishes the builds of the CLI under <paramref name="work"/>: JIT (unless <paramref name="jit"/> is false), ReadyToRun
    /// and NativeAOT, the last two with <c>./build.sh publish</c> as operators run it.
    /// </summary>
    public static async Task<IReadOnlyList<CliBuild>> PublishAsync(string work, CancellationToken cancellationToken, bool jit = true)
    {
        if (!File.Exists(TimeTool))
        {
            throw new InvalidOperationException($"{TimeTool} is missing: install the Debian package 'time' (eng/install-bench-tools.sh does).");
        }

        var root = RepositoryRoot();
        var builds = new List<CliBuild>();
        if (jit)
        {
            builds.Add(new CliBuild("CLI (JIT)", Path.Combine(work, "cli-jit")));
            await RunAsync("dotnet", ["publish", Path.Combine(root, "samples", "Inknowing.DbResilience.Cli"), "-c", "Release", "-v", "quiet", "-nologo", "-o", builds[^1].Directory], root, cancellationToken);
        }

        builds.Add(new CliBuild("CLI (ReadyToRun)", Path.Combine(work, "cli-r2r")));
        await RunAsync("bash", ["build.sh", "publish", "--readytorun", builds[^1].Directory], root, cancellationToken);
        builds.Add(new CliBuild("CLI (NativeAOT)", Path.Combine(work, "cli-aot"), Native: true));
        await RunAsync("bash", ["build.sh", "publish", builds[^1].Directory], root, cancellationToken);
        return builds;
    }

    /// <summary>Gets the program and leading arguments that start <paramref name="build"/>.</summary>
    public static (string FileName, string[] Prefix) Command(CliBuild build)
        => build.Native ? (Path.Combine(build.Directory, "dbresilience"), []) : ("dotnet", [Path.Combine(build.Directory, "dbresilience.dll")]);

    /// <summary>Runs the CLI with <paramref name="arguments"/> and <paramref name="environment"/>; throws when it fails.</summary>
    public static async Task<CliRun> RunAsync(CliBuild build, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(TimeTool);
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add("dbresilience-peak-kib=%M");
        var (fileName, prefix) = Command(build);
        start.ArgumentList.Add(fileName);
        foreach (var argument in prefix.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var (exitCode, output, error, elapsed) = await Measure.RunProcessAsync(start, cancellationToken);
        var line = error.Split('\n').LastOrDefault(l => l.StartsWith("dbresilience-peak-kib=", StringComparison.Ordinal));
        if (exitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"{build.Name} exited with {exitCode}: {output} {error}");
        }

        return new CliRun(elapsed, long.Parse(line["dbresilience-peak-kib=".Length..].Trim(), CultureInfo.InvariantCulture) * 1024, output);
    }

    private static async Task RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var (exitCode, output, error, _) = await Measure.RunProcessAsync(start, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', start.ArgumentList)} exited with {exitCode}: {output} {error}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Inknowing.DbResilience.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Inknowing.DbResilience.sln was not found above " + AppContext.BaseDirectory);
    }
}
