using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Tools;

namespace Inknowing.DbResilience.IntegrationTests.Tools;

public sealed class ToolProcessTests
{
    [Test]
    public async Task RunAsync_NonZeroExit_ThrowsWithRedactedStandardError()
    {
        var start = new ToolStartInfo(ToolLocator.FindSystemExecutable("sh"));
        start.Arguments.AddRange(["-c", "echo \"password authentication failed: $SECRET_VALUE\" >&2; exit 3"]);
        start.Environment["SECRET_VALUE"] = "hunter2-secret";
        start.Secrets.Add("hunter2-secret");

        var run = () => ToolProcess.RunAsync(start, CancellationToken.None);

        var error = (await run.Should().ThrowAsync<ExternalToolException>()).Which;
        error.ExitCode.Should().Be(3);
        error.ToolName.Should().Be("sh");
        error.Message.Should().Contain("password authentication failed: ***").And.NotContain("hunter2-secret");
    }

    [Test]
    public async Task WaitForExitAsync_Cancelled_KillsTheProcessTree()
    {
        var start = new ToolStartInfo(ToolLocator.FindSystemExecutable("sh"));
        start.Arguments.AddRange(["-c", "sleep 60 & echo $!; wait"]);
        await using var process = ToolProcess.Start(start);
        using var reader = new StreamReader(process.StandardOutput);
        var childPid = int.Parse((await reader.ReadLineAsync())!, System.Globalization.CultureInfo.InvariantCulture);

        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var wait = () => process.WaitForExitAsync(cancellation.Token);

        await wait.Should().ThrowAsync<OperationCanceledException>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.Exists($"/proc/{childPid}") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Directory.Exists($"/proc/{childPid}").Should().BeFalse("the grandchild 'sleep' must be killed with its parent");
    }

    [Test]
    public async Task GetVersionAsync_PgDump_ReportsMajorVersion()
    {
        var pgDump = ToolLocator.FindClientTool("pg_dump", null);
        var version = await ToolLocator.GetVersionAsync(pgDump, CancellationToken.None);
        version.Major.Should().BeGreaterOrEqualTo(15);
    }
}
