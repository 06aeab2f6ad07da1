using System.Globalization;
using System.Text.Json;

namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>
/// How many trials each reliability scenario runs (2 by default; <c>DBRESILIENCE_RELIABILITY_TRIALS</c> for the long mode), the
/// random instants they use (seeded, the seed printed so a failure can be replayed with <c>DBRESILIENCE_RELIABILITY_SEED</c>),
/// and the results file each scenario adds a line to (<c>reliability-results.jsonl</c> in the test output directory).
/// </summary>
internal static class ReliabilityTrials
{
    /// <summary>The environment variable that sets the number of trials per scenario.</summary>
    public const string TrialsVariable = "DBRESILIENCE_RELIABILITY_TRIALS";

    /// <summary>The environment variable that sets the random seed.</summary>
    public const string SeedVariable = "DBRESILIENCE_RELIABILITY_SEED";

    private static readonly object Gate = new();

    /// <summary>Gets the number of trials per scenario.</summary>
    public static int Count =>
        int.TryParse(Environment.GetEnvironmentVariable(TrialsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0 ? count : 1;

    /// <summary>Gets the results file.</summary>
    public static string ResultsPath => Path.Combine(TestContext.CurrentContext.WorkDirectory, "reliability-results.jsonl");

    /// <summary>Returns a random generator for a scenario, printing its seed.</summary>
    public static Random NewRandom(string scenario)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var fixedSeed)
            ? fixedSeed
            : Random.Shared.Next();
        TestContext.Progress.WriteLine($"{scenario}: seed {seed} ({SeedVariable} replays it)");
        return new Random(seed);
    }

    /// <summary>Adds one scenario's outcome to the results file.</summary>
    public static void Record(string scenario, int trials, int interrupted, int lost, string note)
    {
        var line = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["scenario"] = scenario,
            ["trials"] = trials,
            ["interrupted"] = interrupted,
            ["lost"] = lost,
            ["note"] = note,
            ["at"] = DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture),
        });
        TestContext.Progress.WriteLine($"{scenario}: {trials} trial(s), {interrupted} killed mid-run, {lost} lost. {note}");
        lock (Gate)
        {
            File.AppendAllText(ResultsPath, line + "\n");
        }
    }
}
