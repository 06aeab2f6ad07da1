namespace Inknowing.DbResilience.IntegrationTests.Reliability;

/// <summary>Starts each run's results file afresh, so that it holds the last run only (eng/reliability-report.sh renders it).</summary>
[SetUpFixture]
public sealed class ReliabilityResultsSetUp
{
    [OneTimeSetUp]
    public void StartResults() => File.Delete(ReliabilityTrials.ResultsPath);
}
