using System.Diagnostics;
using System.Globalization;

namespace Inknowing.DbResilience.Benchmarks;

/// <summary>Timing, memory and report helpers shared by the benchmarks.</summary>
internal static class Measure
{
    /// <summary>Runs an operation several times and returns the median wall-clock time.</summary>
    public static async Task<TimeSpan> MedianAsync(int runs, Func<Task> operation)
    {
        var times = new List<TimeSpan>(runs);
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await operation();
            times.Add(watch.Elapsed);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>Gets the peak resident memory of this process so far (VmHWM), in bytes.</summary>
    public static long PeakResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kb = long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kb * 1024;
            }
        }

        return Process.GetCurrentProcess().PeakWorkingSet64;
    }

    /// <summary>Runs a process to its end with its output and errors captured; returns them with its exit code and wall-clock time.</summary>
    public static async Task<(int ExitCode, string Output, string Error, TimeSpan Elapsed)> RunProcessAsync(ProcessStartInfo start, CancellationToken cancellationToken)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, output, await errors, watch.Elapsed);
    }

    /// <summary>Prints one row: a name, a time, and its ratio to a baseline time.</summary>
    public static void Row(string name, TimeSpan time, TimeSpan? baseline = null)
    {
        var ratio = baseline is { } b && b > TimeSpan.Zero ? (time / b).ToString("0.00x", CultureInfo.InvariantCulture) : "";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-48} {time.TotalSeconds,9:F2} s  {ratio}"));
    }

    /// <summary>Prints the machine the figures come from.</summary>
    public static void Machine()
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024 * 1024.0):F0} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}"));
    }
}
