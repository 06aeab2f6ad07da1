using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.PostgreSql.Backups;

namespace Inknowing.DbResilience.Tests.PostgreSql.Backups;

public sealed class PgDumpBackupTargetTests
{
    [TestCase("public", "backup_history")]
    [TestCase("Ops.Schema", "Backup \"History\" *")]
    public void ExactPattern_AnySpelling_MatchesThatTableAlone(string schema, string table)
    {
        var content = new BackupContentOptions { ExcludeTableData = [PgDumpBackupTarget.ExactPattern(schema, table)] };

        PgDumpBackupTarget.IsDataIncluded(schema, table, content).Should().BeFalse();
        PgDumpBackupTarget.IsDataIncluded(schema, table + "2", content).Should().BeTrue("wildcards and dots inside double quotes are literal");
        PgDumpBackupTarget.IsDataIncluded(schema.ToUpperInvariant() + "x", table, content).Should().BeTrue();
    }

    [Test]
    public void AddContentArguments_ExactPattern_PassesTheQuotedPatternToPgDump()
    {
        var arguments = new List<string>();

        PgDumpBackupTarget.AddContentArguments(arguments, new BackupContentOptions { ExcludeTableData = [PgDumpBackupTarget.ExactPattern("dbresilience", "recovery_history")] });

        arguments.Should().Equal("--exclude-table-data=\"dbresilience\".\"recovery_history\"");
    }
}
