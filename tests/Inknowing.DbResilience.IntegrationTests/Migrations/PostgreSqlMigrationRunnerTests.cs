using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;

namespace Inknowing.DbResilience.IntegrationTests.Migrations;

[TestFixture]
public sealed class PostgreSqlMigrationRunnerTests
{
    [Test]
    public async Task MigrateAsync_PendingMigrations_AppliesInNumericOrderAndTracksThem()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V10__third.sql", "INSERT INTO steps VALUES (10);");
        context.Write("V2__second.sql", "INSERT INTO steps VALUES (2);");
        context.Write("V001__first.sql", "CREATE TABLE steps (n int, at timestamptz DEFAULT clock_timestamp());");
        var runner = context.Runner();

        var result = await runner.MigrateAsync();

        result.Executions.Select(e => e.Key).Should().Equal("1", "2", "10");
        (await context.ScalarAsync<string>("SELECT string_agg(n::text, ',' ORDER BY at) FROM steps")).Should().Be("2,10");
        (await context.ScalarAsync<long>("SELECT count(*) FROM schema_migrations WHERE status = 'completed' AND checksum ~ '^[0-9a-f]{64}$' AND applied_by IS NOT NULL")).Should().Be(3);
        (await context.ScalarAsync<long>("SELECT count(*) FROM migration_history WHERE action = 'apply' AND success AND completed_at >= started_at")).Should().Be(3);
        (await context.ScalarAsync<string>("SELECT string_agg(version || '=' || affected_rows, ',' ORDER BY id) FROM migration_history")).Should().Be("1=0,2=1,10=1");
        (await context.ScalarAsync<long>("SELECT count(*) FROM schema_migrations WHERE execution_time_ms >= 0")).Should().Be(3);
    }

    [Test]
    public async Task MigrateAsync_NothingPending_ChangesNothing()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__init.sql", "CREATE TABLE t (id int);");
        var runner = context.Runner();
        await runner.MigrateAsync();
        var history = await context.ScalarAsync<long>("SELECT count(*) FROM migration_history");

        var again = await runner.MigrateAsync();

        again.Executions.Should().BeEmpty();
        (await context.ScalarAsync<long>("SELECT count(*) FROM migration_history")).Should().Be(history);
    }

    [Test]
    public async Task MigrateAsync_FailureHalfwayThroughFile_RollsBackRecordsFailedAndNamesLine()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__init.sql", "CREATE TABLE a (id int);");
        context.Write("V2__broken.sql", "CREATE TABLE b (id int);\n\n-- a comment\nINSERT INTO b VALUES (1);\nINSERT INTO\n  missing_table VALUES (1);\nCREATE TABLE c (id int);\n");
        var runner = context.Runner();

        var act = () => runner.MigrateAsync();

        var error = (await act.Should().ThrowAsync<MigrationException>()).Which;
        error.Version.Should().Be("2");
        error.Line.Should().Be(6);
        error.SqlState.Should().Be("42P01");
        error.AppliedStatements.Should().BeEmpty("a transactional script is rolled back whole");
        error.Origin.Should().EndWith("V2__broken.sql");
        error.Message.Should().Contain("V2__broken.sql").And.Contain("line 6").And.Contain("42P01");
        (await context.ScalarAsync<object>("SELECT to_regclass('b')::text")).Should().BeNull("the failed migration is rolled back");
        (await context.ScalarAsync<string>("SELECT status FROM schema_migrations WHERE version = '2'")).Should().Be("failed");
        (await context.ScalarAsync<string>("SELECT error_message FROM migration_history WHERE version = '2' AND NOT success")).Should().Contain("42P01");

        context.Write("V2__broken.sql", "CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\n");
        var fixedRun = await context.Runner().MigrateAsync();

        fixedRun.Executions.Select(e => e.Key).Should().Equal("2");
        (await context.ScalarAsync<string>("SELECT status FROM schema_migrations WHERE version = '2'")).Should().Be("completed");
    }

    [Test]
    public async Task MigrateAsync_EditedAppliedFile_RefusesAndValidateReportsDrift()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__init.sql", "CREATE TABLE t (id int);\r\n");
        await context.Runner().MigrateAsync();

        context.Write("V1__init.sql", "\uFEFFCREATE TABLE t (id int);\n");
        (await context.Runner().ValidateAsync()).IsValid.Should().BeTrue("line endings and a BOM do not change the checksum");

        context.Write("V1__init.sql", "CREATE TABLE t (id bigint);\n");
        context.Write("V2__more.sql", "CREATE TABLE u (id int);\n");
        var report = await context.Runner().ValidateAsync();
        var migrate = () => context.Runner().MigrateAsync();

        report.Problems.Should().ContainSingle(p => p.Kind == MigrationProblemKind.ChecksumDrift && p.Version == "1");
        (await migrate.Should().ThrowAsync<MigrationException>()).Which.Problems.Should().Contain(p => p.Kind == MigrationProblemKind.ChecksumDrift);
        (await context.ScalarAsync<object>("SELECT to_regclass('u')::text")).Should().BeNull();
        (await context.ScalarAsync<long>("SELECT count(*) FROM migration_history WHERE action = 'verify'")).Should().Be(2);
    }

    [Test]
    public async Task ValidateAsync_MissingFileOutOfOrderAndMissingObjects_ReportsEach()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__one.sql", "CREATE TABLE one (id int);");
        context.Write("V3__three.sql", "CREATE TABLE three (id int);");
        await context.Runner().MigrateAsync();
        File.Delete(Path.Combine(context.Directory, "V1__one.sql"));
        context.Write("V2__two.sql", "CREATE TABLE two (id int);");

        var report = await context.Runner(m =>
        {
            m.ExpectedTables.Add("three");
            m.ExpectedTables.Add("public.nope");
            m.ExpectedIndexes.Add("no_such_index");
        }).ValidateAsync();

        report.Problems.Select(p => (p.Kind, p.Version)).Should().BeEquivalentTo(new[]
        {
            (MigrationProblemKind.MissingScript, "1"),
            (MigrationProblemKind.OutOfOrder, "2"),
            (MigrationProblemKind.MissingObject, "public.nope"),
            (MigrationProblemKind.MissingObject, "no_such_index"),
        });
        (await context.Runner(m => m.AllowOutOfOrder = true).MigrateAsync()).Executions.Select(e => e.Key).Should().Equal("2");
    }

    [Test]
    public async Task RollbackAsync_Chain_RunsNewestFirstAndAllowsReapply()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__a.sql", "CREATE TABLE a (id int);");
        context.Write("R1__a.sql", "DROP TABLE a;");
        context.Write("V2__b.sql", "ALTER TABLE a ADD PRIMARY KEY (id); CREATE TABLE b (id int REFERENCES a (id) UNIQUE);");
        context.Write("R2__b.sql", "DROP TABLE b; ALTER TABLE a DROP CONSTRAINT a_pkey;");
        context.Write("V3__c.sql", "CREATE TABLE c (id int REFERENCES b (id));");
        context.Write("R3__c.sql", "DROP TABLE c;");
        var runner = context.Runner();
        await runner.MigrateAsync();

        var result = await runner.RollbackAsync(MigrationVersion.Parse("1"));

        result.Executions.Select(e => e.Key).Should().Equal("3", "2");
        (await context.ScalarAsync<object>("SELECT to_regclass('b')::text")).Should().BeNull();
        (await context.ScalarAsync<object>("SELECT to_regclass('a')::text")).Should().NotBeNull();
        (await context.ScalarAsync<string>("SELECT string_agg(version || '=' || status, ',' ORDER BY version) FROM schema_migrations")).Should().Be("1=completed,2=rolled_back,3=rolled_back");
        (await context.ScalarAsync<long>("SELECT count(*) FROM migration_history WHERE action = 'rollback' AND success")).Should().Be(2);
        (await runner.MigrateAsync()).Executions.Select(e => e.Key).Should().Equal("2", "3");
    }

    [Test]
    public async Task RollbackAsync_MissingRollbackInRange_ReportsBeforeTouchingAnything()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__a.sql", "CREATE TABLE a (id int);");
        context.Write("V2__b.sql", "CREATE TABLE b (id int);");
        context.Write("V3__c.sql", "CREATE TABLE c (id int);");
        context.Write("R3__c.sql", "DROP TABLE c;");
        var runner = context.Runner();
        await runner.MigrateAsync();

        var act = () => runner.RollbackAsync(MigrationVersion.Parse("0"));

        var error = (await act.Should().ThrowAsync<MigrationException>()).Which;
        error.Problems.Select(p => p.Version).Should().BeEquivalentTo("2", "1");
        error.Message.Should().Contain("R2__b.sql");
        (await context.ScalarAsync<object>("SELECT to_regclass('c')::text")).Should().NotBeNull("nothing is touched");
    }

    [Test]
    public async Task RollbackAsync_FileDeletedAfterApply_UsesStoredRollbackSql()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__a.sql", "CREATE TABLE a (id int);");
        context.Write("R1__a.sql", "DROP TABLE a;");
        await context.Runner().MigrateAsync();
        File.Delete(Path.Combine(context.Directory, "R1__a.sql"));

        await context.Runner().RollbackAsync(MigrationVersion.Parse("0"));

        (await context.ScalarAsync<object>("SELECT to_regclass('a')::text")).Should().BeNull();
    }

    [Test]
    public async Task MigrateAsync_ConcurrentIndex_RunsOutsideTransactionAndReportsInvalidIndex()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__t.sql", "CREATE TABLE t (id int); INSERT INTO t SELECT g % 10 FROM generate_series(1, 1000) g;");
        context.Write("V2__idx.sql", "CREATE INDEX CONCURRENTLY t_id_idx ON t (id);");
        context.Write("V3__unique.sql", "-- builds a unique index that fails on duplicates\nCREATE UNIQUE INDEX CONCURRENTLY t_id_unique ON t (id);");
        var runner = context.Runner();

        var act = () => runner.MigrateAsync();

        var error = (await act.Should().ThrowAsync<MigrationException>()).Which;
        error.Version.Should().Be("3");
        error.Line.Should().Be(2);
        error.SqlState.Should().Be("23505");
        error.InvalidIndexes.Should().Equal("public.t_id_unique");
        error.Message.Should().Contain("t_id_unique").And.Contain("DROP INDEX CONCURRENTLY");
        (await context.ScalarAsync<bool>("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id_idx'::regclass")).Should().BeTrue();
        (await context.ScalarAsync<bool>("SELECT (metadata->>'transactional')::boolean FROM migration_history WHERE version = '2'")).Should().BeFalse();
    }

    [Test]
    public async Task MigrateAsync_NonTransactionalFailure_NamesEveryStatementThatRanAndStays()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__t.sql", "CREATE TABLE t (id int);");
        context.Write("V2__partial.sql", "-- dbresilience:no-transaction\nCREATE TABLE a (id int);\n\nINSERT INTO t\n  VALUES (1);\nINSERT INTO missing VALUES (1);\nCREATE TABLE c (id int);\n");
        var runner = context.Runner();

        var act = () => runner.MigrateAsync();

        var error = (await act.Should().ThrowAsync<MigrationException>()).Which;
        error.AppliedStatements.Should().Equal("CREATE TABLE a (id int)", "INSERT INTO t\n  VALUES (1)");
        error.Line.Should().Be(6);
        error.Message.Should().Contain("Statements 1 to 2 of 4 ran and stay applied: 1. line 2: CREATE TABLE a (id int); 2. line 4: INSERT INTO t VALUES (1).")
            .And.Contain("Statement 3 (line 6) failed and none after it ran.");
        (await context.ScalarAsync<object>("SELECT to_regclass('a')::text")).Should().NotBeNull("the statement before the failure stays applied");
        (await context.ScalarAsync<object>("SELECT to_regclass('c')::text")).Should().BeNull("nothing after the failure ran");
        (await context.ScalarAsync<string>("SELECT error_message FROM migration_history WHERE version = '2'"))
            .Should().StartWith("42P01: ").And.Contain("Statements 1 to 2 of 4 ran and stay applied");
    }

    [Test]
    public async Task MigrateAsync_NonTransactionalFailureOnFirstStatement_SaysNothingIsApplied()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__idx.sql", "CREATE INDEX CONCURRENTLY missing_idx ON missing (id);\nCREATE TABLE c (id int);");
        var runner = context.Runner();

        var act = () => runner.MigrateAsync();

        var error = (await act.Should().ThrowAsync<MigrationException>()).Which;
        error.AppliedStatements.Should().BeEmpty();
        error.Message.Should().Contain("No statement of the script ran: nothing of it is applied. Statement 1 (line 1) failed");
    }

    [Test]
    public async Task MigrateAsync_NoTransactionDirective_RunsStatementsOneByOne()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__enum.sql", "CREATE TYPE mood AS ENUM ('sad');");
        context.Write("V2__add.sql", "-- dbresilience:no-transaction\nALTER TYPE mood ADD VALUE 'happy';\nCREATE TABLE m (x mood DEFAULT 'happy');\n");

        var result = await context.Runner().MigrateAsync();

        result.Executions.Single(e => e.Key == "2").Transactional.Should().BeFalse();
        (await context.ScalarAsync<object>("SELECT to_regclass('m')::text")).Should().NotBeNull();
    }

    [Test]
    public async Task MigrateAsync_WithRestorePoints_RecordsNameAndLsnInHistory()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__a.sql", "CREATE TABLE a (id int);");

        var result = await context.Runner().MigrateAsync();

        var execution = result.Executions.Single();
        execution.RestorePointName.Should().StartWith("dbr_apply_1_");
        execution.RestorePointLsn.Should().MatchRegex("^[0-9A-F]+/[0-9A-F]+$");
        (await context.ScalarAsync<string>("SELECT metadata->>'restorePointLsn' FROM migration_history WHERE version = '1'")).Should().Be(execution.RestorePointLsn);
    }

    [Test]
    public async Task MigrateAsync_Success_WritesOneCompleteHistoryRowPerScriptWithItsOwnRestorePoint()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__t.sql", "CREATE TABLE t (id int);");
        context.Write("V2__idx.sql", "CREATE INDEX CONCURRENTLY t_id_idx ON t (id);");
        context.Write("V3__rows.sql", "INSERT INTO t VALUES (1), (2);\nCREATE TABLE u (id int);");
        context.Write("V4__more.sql", "INSERT INTO t VALUES (3);");

        var result = await context.Runner().MigrateAsync();

        result.Executions.Select(e => e.RestorePointName).Should().OnlyHaveUniqueItems().And.NotContainNulls();
        await using var connection = new Npgsql.NpgsqlConnection(context.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            """
            SELECT version, success, error_message, affected_rows, started_at <= completed_at, metadata->>'restorePointName',
                   metadata->>'restorePointLsn', (metadata->>'transactional')::boolean, metadata->>'checksum', metadata->>'origin'
            FROM dbresilience.migration_history ORDER BY id
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string Version, long Affected, string Lsn)>();
        foreach (var execution in result.Executions)
        {
            (await reader.ReadAsync()).Should().BeTrue("every script has exactly one history row, in order");
            reader.GetString(0).Should().Be(execution.Key);
            reader.GetBoolean(1).Should().BeTrue();
            reader.IsDBNull(2).Should().BeTrue();
            reader.GetBoolean(4).Should().BeTrue();
            reader.GetString(5).Should().Be(execution.RestorePointName).And.StartWith($"dbr_apply_{execution.Key}_");
            reader.GetString(6).Should().Be(execution.RestorePointLsn);
            reader.GetBoolean(7).Should().Be(execution.Transactional);
            reader.GetString(9).Should().Be(execution.Origin);
            rows.Add((reader.GetString(0), reader.GetInt64(3), reader.GetString(6)));
        }

        (await reader.ReadAsync()).Should().BeFalse();
        rows.Select(r => $"{r.Version}={r.Affected}").Should().Equal("1=0", "2=0", "3=2", "4=1");
        await reader.DisposeAsync();
        var lsns = string.Join(",", rows.Select(r => $"'{r.Lsn}'::pg_lsn"));
        (await context.ScalarAsync<bool>($"SELECT bool_and(a < b) FROM (SELECT l AS a, lead(l) OVER (ORDER BY o) AS b FROM unnest(ARRAY[{lsns}]) WITH ORDINALITY AS x(l, o)) p WHERE b IS NOT NULL"))
            .Should().BeTrue("each script has its own restore point, later than the previous script's");
    }

    [Test]
    public async Task MigrateAsync_Failure_RecordsOneFailedHistoryRowWithTheErrorAndTheRestorePoint()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__t.sql", "CREATE TABLE t (id int);");
        context.Write("V2__bad.sql", "INSERT INTO t VALUES (1);\nINSERT INTO missing VALUES (1);");
        var runner = context.Runner();

        var act = () => runner.MigrateAsync();

        await act.Should().ThrowAsync<MigrationException>();
        (await context.ScalarAsync<long>("SELECT count(*) FROM t")).Should().Be(0, "the failed script was rolled back");
        (await context.ScalarAsync<string>("SELECT string_agg(version || '=' || success, ',' ORDER BY id) FROM migration_history")).Should().Be("1=true,2=false");
        (await context.ScalarAsync<bool>(
            """
            SELECT error_message LIKE '42P01: %missing%' AND completed_at >= started_at AND affected_rows IS NULL
                   AND metadata->>'restorePointName' LIKE 'dbr\_apply\_2\_%' AND (metadata->>'restorePointLsn')::pg_lsn > (
                       SELECT (metadata->>'restorePointLsn')::pg_lsn FROM migration_history WHERE version = '1')
            FROM migration_history WHERE version = '2'
            """)).Should().BeTrue();
        (await context.ScalarAsync<string>("SELECT status FROM schema_migrations WHERE version = '2'")).Should().Be("failed");
    }

    [TestCase(1)]
    [TestCase(50)]
    public async Task MigrateAsync_FailureInTheMiddleOfOneRoundTrip_KeepsTheScriptsBeforeItAndRunsNoneAfterIt(int batchSize)
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__t.sql", "CREATE TABLE t (id int PRIMARY KEY);");
        context.Write("V2__rows.sql", "INSERT INTO t VALUES (1), (2);");
        context.Write("V3__bad.sql", "INSERT INTO t VALUES (3);\nINSERT INTO t VALUES\n  (1);");
        context.Write("V4__after.sql", "CREATE TABLE after_bad (id int);");
        context.Write("V5__more.sql", "INSERT INTO t VALUES (5);");

        var act = () => context.Runner(m => m.BatchSize = batchSize).MigrateAsync();

        var error = (await act.Should().ThrowAsync<MigrationException>()).Which;
        error.Version.Should().Be("3");
        error.Line.Should().Be(2);
        error.SqlState.Should().Be("23505");
        (await context.ScalarAsync<string>("SELECT string_agg(id::text, ',' ORDER BY id) FROM t")).Should().Be("1,2", "versions 1 and 2 committed, version 3 was rolled back");
        (await context.ScalarAsync<object>("SELECT to_regclass('after_bad')::text")).Should().BeNull("nothing after the failed script ran");
        (await context.ScalarAsync<string>("SELECT string_agg(version || '=' || status, ',' ORDER BY version) FROM schema_migrations")).Should().Be("1=completed,2=completed,3=failed");
        (await context.ScalarAsync<string>(
            "SELECT string_agg(version || '=' || success || '=' || coalesce(affected_rows::text, 'null') || '=' || (metadata->>'restorePointLsn' IS NOT NULL), ',' ORDER BY id) FROM migration_history"))
            .Should().Be("1=true=0=true,2=true=2=true,3=false=null=true", "each script has its own history row, row count and restore point");

        context.Write("V3__bad.sql", "INSERT INTO t VALUES (3);");
        var fixedRun = await context.Runner(m => m.BatchSize = batchSize).MigrateAsync();

        fixedRun.Executions.Select(e => e.Key).Should().Equal("3", "4", "5");
        fixedRun.Executions.Select(e => e.RestorePointLsn).Should().OnlyHaveUniqueItems().And.NotContainNulls();
        (await context.ScalarAsync<string>("SELECT string_agg(id::text, ',' ORDER BY id) FROM t")).Should().Be("1,2,3,5");
        (await context.ScalarAsync<string>("SELECT string_agg(version || '=' || coalesce(affected_rows::text, 'null'), ',' ORDER BY id) FROM migration_history WHERE success"))
            .Should().Be("1=0,2=2,3=1,4=0,5=1");
    }

    [Test]
    public async Task MigrateAsync_ScriptsReturningRowsInOneRoundTrip_EachKeepsItsOwnRestorePointAndHistoryRow()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__a.sql", "CREATE TABLE a (id int);\nSELECT 'not-an-lsn' AS restore_point_lsn, 42::bigint AS history_id, 7::bigint AS elapsed_ms FROM generate_series(1, 3);");
        context.Write("V2__b.sql", "SELECT 'x' AS restore_point_lsn;\nCREATE TABLE b (id int);");

        var result = await context.Runner().MigrateAsync();

        result.Executions.Select(e => e.Key).Should().Equal("1", "2");
        result.Executions.Should().OnlyContain(e => System.Text.RegularExpressions.Regex.IsMatch(e.RestorePointLsn!, "^[0-9A-F]+/[0-9A-F]+$"));
        (await context.ScalarAsync<string>("SELECT string_agg(version || '=' || (metadata->>'restorePointLsn'), ',' ORDER BY id) FROM migration_history"))
            .Should().Be(string.Join(",", result.Executions.Select(e => $"{e.Key}={e.RestorePointLsn}")));
    }

    [Test]
    public async Task MigrateAsync_FailureOutsideTransaction_ClosesItsOwnHistoryRow()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__t.sql", "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (1);");
        context.Write("V2__idx.sql", "CREATE UNIQUE INDEX CONCURRENTLY t_id_unique ON t (id);");
        var runner = context.Runner();

        var act = () => runner.MigrateAsync();

        await act.Should().ThrowAsync<MigrationException>();
        (await context.ScalarAsync<string>("SELECT string_agg(version || '=' || success || '=' || coalesce(affected_rows::text, 'null'), ',' ORDER BY id) FROM migration_history"))
            .Should().Be("1=true=2,2=false=null", "the failure closes version 2's own row and leaves version 1's alone");
        (await context.ScalarAsync<bool>("SELECT error_message LIKE '23505: %' AND completed_at >= started_at AND metadata->>'restorePointLsn' IS NOT NULL FROM migration_history WHERE version = '2'"))
            .Should().BeTrue();
    }

    [Test]
    public async Task MigrateAsync_RoleWithoutRestorePointPrivilege_RecordsNullAndApplies()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        var role = "mig_" + Guid.NewGuid().ToString("N")[..8];
        // Without CREATE on the database the role cannot create the library's schema: an administrator creates it once.
        await context.ExecuteAsync($"CREATE ROLE {role} LOGIN PASSWORD 'pw'; GRANT ALL ON SCHEMA public TO {role}; CREATE SCHEMA dbresilience AUTHORIZATION {role};");
        context.Write("V1__a.sql", "CREATE TABLE a (id int);");
        var asRole = new Npgsql.NpgsqlConnectionStringBuilder(context.ConnectionString) { Username = role, Password = "pw" }.ConnectionString;
        await using var host = new Inknowing.DbResilience.DependencyInjection.DbResilienceBuilder()
            .UsePostgreSql(asRole)
            .AddMigrations(m => m.FromDirectory(context.Directory))
            .Build();

        var result = await host.GetRequiredService<IMigrationRunner>().MigrateAsync();

        result.Executions.Single().RestorePointName.Should().BeNull();
        (await context.ScalarAsync<bool>("SELECT metadata ? 'restorePointLsn' AND metadata->>'restorePointLsn' IS NULL FROM migration_history WHERE version = '1'")).Should().BeTrue();
    }

    [Test]
    public async Task MigrateAsync_DefaultSchema_KeepsTrackingTablesInDbresilienceNotPublic()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__a.sql", "CREATE TABLE a (id int);");

        await context.Runner().MigrateAsync();

        (await context.ScalarAsync<string>(
            "SELECT string_agg(n.nspname || '.' || c.relname, ',' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname IN ('schema_migrations', 'migration_history', 'a') AND c.relkind = 'r'"))
            .Should().Be("public.a,dbresilience.migration_history,dbresilience.schema_migrations");
    }

    [Test]
    public async Task MigrateAsync_DryRun_ListsSqlAndTouchesNothing()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__a.sql", "CREATE TABLE a (id int);");
        context.Write("S1__a.sql", "INSERT INTO a VALUES (1);");

        var result = await context.Runner().MigrateAsync(new MigrateRequest { DryRun = true, RunSeeds = true });

        result.DryRun.Should().BeTrue();
        result.Executions.Select(e => (e.Key, e.Sql)).Should().Equal(("1", "CREATE TABLE a (id int);"), ("S1", "INSERT INTO a VALUES (1);"));
        (await context.ScalarAsync<object>("SELECT to_regclass('schema_migrations')::text")).Should().BeNull();
    }

    [Test]
    public async Task MigrateAsync_SeedsRepeatablesAndTarget_RunInOrderOnlyWhenAsked()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__a.sql", "CREATE TABLE a (id int);");
        context.Write("V2__b.sql", "CREATE TABLE b (id int);");
        context.Write("S1__a.sql", "INSERT INTO a VALUES (1);");
        context.Write("A__view.sql", "CREATE OR REPLACE VIEW a_view AS SELECT id FROM a;");
        var runner = context.Runner(schema: "tracking");

        var first = await runner.MigrateAsync(new MigrateRequest { TargetVersion = MigrationVersion.Parse("1") });
        var second = await runner.MigrateAsync(new MigrateRequest { RunSeeds = true });
        context.Write("A__view.sql", "CREATE OR REPLACE VIEW a_view AS SELECT id, id + 1 AS next FROM a;");
        var third = await context.Runner(schema: "tracking").MigrateAsync();
        var status = await context.Runner(schema: "tracking").GetStatusAsync();

        first.Executions.Select(e => e.Key).Should().Equal("1", "A:view");
        second.Executions.Select(e => e.Key).Should().Equal("2", "S1");
        third.Executions.Select(e => e.Key).Should().Equal("A:view");
        (await context.ScalarAsync<long>("SELECT count(*) FROM a")).Should().Be(1);
        (await context.ScalarAsync<long>("SELECT count(*) FROM tracking.schema_migrations")).Should().Be(4);
        status.Select(s => (s.Version, s.Status)).Should().Equal(("1", MigrationState.Completed), ("2", MigrationState.Completed), ("A:view", MigrationState.Completed), ("S1", MigrationState.Completed));
    }

    [Test]
    public async Task MigrateAsync_BadFileNames_NamesEveryFile()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__a.sql", "SELECT 1;");
        context.Write("V01__dup.sql", "SELECT 1;");
        context.Write("R7__orphan.sql", "SELECT 1;");
        context.Write("create_tables.sql", "SELECT 1;");

        var act = () => context.Runner().MigrateAsync();

        var error = (await act.Should().ThrowAsync<DbResilienceConfigurationException>()).Which;
        error.Errors.Should().HaveCount(1, "name errors are reported before the set is checked");
        error.Errors[0].Should().Contain("create_tables.sql");
        File.Delete(Path.Combine(context.Directory, "create_tables.sql"));
        var again = (await act.Should().ThrowAsync<DbResilienceConfigurationException>()).Which;
        again.Errors.Should().HaveCount(2);
        again.Message.Should().Contain("V01__dup.sql").And.Contain("V1__a.sql").And.Contain("R7__orphan.sql");
    }

    [Test]
    public async Task MigrateAsync_LockHeldElsewhere_TimesOutNamingTheHolder()
    {
        await using var context = await MigrationTestContext.CreateAsync();
        context.Write("V1__a.sql", "CREATE TABLE a (id int);");
        var runner = context.Runner(m => m.LockTimeout = TimeSpan.FromMilliseconds(300));
        await using var holder = new Npgsql.NpgsqlConnection(context.ConnectionString + ";Application Name=lock-holder");
        await holder.OpenAsync();
        var key = new PostgreSql.Migrations.MigrationTracking(DbResilienceOptions.DefaultSchema).LockKey;
        await using (var take = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock({key})", holder))
        {
            await take.ExecuteScalarAsync();
        }

        var act = () => runner.MigrateAsync();

        (await act.Should().ThrowAsync<MigrationLockTimeoutException>()).Which.Message.Should().Contain("lock-holder");
        await holder.CloseAsync();
        (await runner.MigrateAsync()).Executions.Should().ContainSingle("a closed session releases its lock");
    }
}
