using Inknowing.DbResilience.Cli;
using Inknowing.DbResilience.Cli.Commands;
using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.Tests.Cli;

public sealed class StatusCommandTests
{
    [Test]
    public void SummaryAndExitCode_EveryState_CountedAndMappedForCi()
    {
        var entries = new[] { "completed", "adopted", "adopted", "baselined", "pending", "failed", "rolled_back" }
            .Select((s, i) => Entry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), s)).ToArray();

        StatusCommand.Summary(entries).Should().Be("7 script(s), 1 pending: 1 completed, 2 adopted, 1 baselined, 1 pending, 1 failed, 1 rolled back.");
        StatusCommand.ExitCode(entries).Should().Be(ExitCodes.Failure);
        StatusCommand.ExitCode(entries.Where(e => e.Status != MigrationState.Failed).ToArray()).Should().Be(ExitCodes.Pending);
        StatusCommand.ExitCode([Entry("1", "adopted"), Entry("2", "baselined"), Entry("3", "completed")]).Should().Be(ExitCodes.Success);
        StatusCommand.ExitCode([Entry("1", "adopted"), Entry("2", "rolled_back")]).Should().Be(ExitCodes.Pending, "migrate applies a rolled-back version again");
        StatusCommand.ExitCode([Entry("1", "changed")]).Should().Be(ExitCodes.Failure);
        StatusCommand.ExitCode([Entry("1", "missing"), Entry("2", "pending")]).Should().Be(ExitCodes.Failure);
    }

    private static MigrationStatusEntry Entry(string version, string status)
        => new() { Version = version, Name = "n", Status = Enum.Parse<MigrationState>(status.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true), Checksum = new string('0', 64), Kind = MigrationKind.Versioned };
}
