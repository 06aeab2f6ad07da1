using System.Text.Json;
using Inknowing.DbResilience.Cli;
using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.Tests.Cli;

/// <summary>The migration enums keep the words the CLI printed and wrote in its JSON when they were strings.</summary>
public sealed class MigrationTextTests
{
    [TestCase(MigrationState.Pending, "pending")]
    [TestCase(MigrationState.Running, "running")]
    [TestCase(MigrationState.Completed, "completed")]
    [TestCase(MigrationState.Failed, "failed")]
    [TestCase(MigrationState.RolledBack, "rolled_back")]
    [TestCase(MigrationState.Adopted, "adopted")]
    [TestCase(MigrationState.Baselined, "baselined")]
    [TestCase(MigrationState.Missing, "missing")]
    [TestCase(MigrationState.Changed, "changed")]
    public void Write_StatusEntry_StatusIsTheTrackingTablesWord(MigrationState state, string expected)
    {
        var entry = new MigrationStatusEntry { Version = "1", Name = "n", Status = state, Checksum = "c", Kind = MigrationKind.Versioned };

        var json = JsonSerializer.Serialize(entry, CliJson.Options);

        JsonDocument.Parse(json).RootElement.GetProperty("status").GetString().Should().Be(expected);
        MigrationText.Of(state).Should().Be(expected);
    }

    [TestCase(MigrationAdoptionStatus.Completed, "completed")]
    [TestCase(MigrationAdoptionStatus.Failed, "failed")]
    [TestCase(MigrationAdoptionStatus.RolledBack, "rolled_back")]
    [TestCase(MigrationAdoptionStatus.Pending, "pending")]
    [TestCase(MigrationAdoptionStatus.NotRecorded, "")]
    public void Write_AdoptionEntry_StatusIsTheWordOrEmptyWhenNothingIsRecorded(MigrationAdoptionStatus status, string expected)
    {
        var entry = new MigrationAdoptionEntry { Version = "1", Name = "n", Match = MigrationAdoptionMatch.Matched, Status = status };

        var json = JsonSerializer.Serialize(entry, CliJson.Options);

        JsonDocument.Parse(json).RootElement.GetProperty("status").GetString().Should().Be(expected);
    }

    [TestCase(MigrationAction.Apply, "apply")]
    [TestCase(MigrationAction.Rollback, "rollback")]
    public void Write_Execution_ActionIsApplyOrRollback(MigrationAction action, string expected)
    {
        var execution = new MigrationExecution
        {
            Kind = MigrationKind.Versioned, Key = "1", Name = "n", Origin = "V1__n.sql", Action = action, Transactional = true, Sql = "SELECT 1", Duration = TimeSpan.Zero, AffectedRows = 0,
        };

        var json = JsonSerializer.Serialize(execution, CliJson.Options);

        JsonDocument.Parse(json).RootElement.GetProperty("action").GetString().Should().Be(expected);
    }
}
