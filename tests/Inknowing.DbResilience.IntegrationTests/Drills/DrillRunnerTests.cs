using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Drills;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.Drills;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Inknowing.DbResilience.PostgreSql.Restore;
using Inknowing.DbResilience.Restore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Inknowing.DbResilience.IntegrationTests.Restore.RestoreTestSupport;

namespace Inknowing.DbResilience.IntegrationTests.Drills;

/// <summary>Backups made by the real backup service into file storage, then restored, table-restored and drilled through the DI services.</summary>
public sealed class DrillRunnerTests
{
    private string _source = null!;
    private string _storage = null!;
    private string _backupId = null!;

    [OneTimeSetUp]
    public async Task CreateSourceAndBackup()
    {
        _source = await Fixtures.FidelityFixture.CreateAsync("drillsrc");
        _storage = Directory.CreateTempSubdirectory("dbresilience-drill-tests").FullName;
        await using var host = Build(TimeProvider.System);
        var result = await host.GetRequiredService<IBackupService>().CreateAsync();
        _backupId = result.Manifest.Id;
    }

    [OneTimeTearDown]
    public void DeleteStorage() => Directory.Delete(_storage, recursive: true);

    [Test]
    public async Task RunAsync_FreshBackup_PassesWithRowCountsAndRto()
    {
        await using var host = Build(TimeProvider.System, o => o.SmokeQueries.Add("SELECT count(*) = 200 FROM public.film"));

        var report = await host.GetRequiredService<IDrillRunner>().RunAsync();

        report.Passed.Should().BeTrue(report.FailureReason);
        report.BackupId.Should().Be(_backupId);
        report.Steps.Select(s => s.Name).Should().ContainInOrder("select_backup", "restore", "verify_checksum", "compare_row_counts", "integrity", "smoke_queries", "rto_objective", "drop_copy");
        report.Rto.Should().NotBeNull();
        report.RtoObjective.Should().Be(TimeSpan.FromHours(1));
        report.Tables.Should().Contain(t => t.Name == "\"public\".\"film\"" && t.ExpectedRows == 200 && t.RestoredRows == 200);
        report.Tables.Should().OnlyContain(t => t.Matches);
        (await ScalarAsync<long>(TestServers.PostgreSqlConnectionString, "SELECT count(*) FROM pg_database WHERE datname LIKE 'dbresilience_scratch_drill%'")).Should().Be(0);
        (await ScalarAsync<long>(_source, $"SELECT count(*) FROM dbresilience.recovery_history WHERE recovery_type = 'drill' AND success AND backup_used = '{_backupId}'")).Should().BeGreaterThan(0);
    }

    [Test]
    public async Task RunAsync_ThrowawayCluster_PassesAndDeletesTheCluster()
    {
        await using var host = Build(TimeProvider.System, o => o.UseThrowawayCluster = true);

        var report = await host.GetRequiredService<IDrillRunner>().RunAsync(_backupId);

        report.Passed.Should().BeTrue(report.FailureReason);
        report.Steps.Select(s => s.Name).Should().StartWith(["select_backup", "start_cluster", "restore"]);
        report.Steps[^1].Details.Should().Contain("Throwaway cluster stopped and deleted");
        report.Tables.Should().Contain(t => t.Name == "\"public\".\"film\"" && t.RestoredRows == 200);
    }

    [Test]
    public async Task RunAsync_StaleBackup_FailsClearlyWithoutRestoring()
    {
        await using var host = Build(new ShiftedTimeProvider(TimeSpan.FromHours(25)));

        var report = await host.GetRequiredService<IDrillRunner>().RunAsync();

        report.Passed.Should().BeFalse();
        report.Steps.Should().ContainSingle().Which.Name.Should().Be("select_backup");
        report.FailureReason.Should().Contain("stale").And.Contain(_backupId).And.Contain("24.0 h");
        report.Rto.Should().BeNull();
    }

    [Test]
    public async Task RunAsync_RowCountsDifferFromManifest_FailsNamingTheTable()
    {
        await using var host = Build(TimeProvider.System);
        var runner = new PostgreSqlDrillRunner(
            new AlteredManifestBackupService(host.GetRequiredService<IBackupService>()),
            host.GetServices<IRestoreStrategy>(),
            host.GetRequiredService<IIntegrityChecker>(),
            host.GetRequiredService<RecoveryHistory>(),
            host.GetRequiredService<IOptions<PostgreSql.PostgreSqlOptions>>(),
            host.GetRequiredService<IOptions<RestoreOptions>>(),
            host.GetRequiredService<IOptions<DrillOptions>>(),
            TimeProvider.System,
            NullLogger<PostgreSqlDrillRunner>.Instance);

        var report = await runner.RunAsync(_backupId);

        report.Passed.Should().BeFalse();
        report.FailureReason.Should().StartWith("compare_row_counts").And.Contain("\"public\".\"film\" expected 201, restored 200");
        report.Tables.Should().ContainSingle(t => !t.Matches);
        report.Steps[^1].Name.Should().Be("drop_copy");
        (await ScalarAsync<long>(TestServers.PostgreSqlConnectionString, "SELECT count(*) FROM pg_database WHERE datname LIKE 'dbresilience_scratch_drill%'")).Should().Be(0);
    }

    [Test]
    public async Task RestoreService_LatestIntoNewDatabase_MatchesSourceRowForRowAndIsRecorded()
    {
        await using var host = Build(TimeProvider.System);
        var target = NewDatabaseName("svc");
        try
        {
            var result = await host.GetRequiredService<IRestoreService>().RestoreAsync(new RestoreRequest { TargetDatabase = target, Jobs = 2 });

            result.BackupId.Should().Be(_backupId);
            // backup_history is the backup catalog, updated after the dump; every other table must match row for row.
            var expected = (await TableChecksumsAsync(_source)).Where(t => t.Key != "public.backup_history");
            (await TableChecksumsAsync(WithDatabase(_source, target))).Where(t => t.Key != "public.backup_history").Should().Equal(expected);
            (await ScalarAsync<long>(_source, $"SELECT count(*) FROM dbresilience.recovery_history WHERE recovery_type = 'full' AND recovery_target = '{target}' AND success")).Should().Be(1);
        }
        finally
        {
            await DropDatabaseAsync(target);
        }
    }

    [Test]
    public async Task RestoreService_TableDryRun_ReportsPlanWithoutChanging()
    {
        await using var host = Build(TimeProvider.System);

        var result = await host.GetRequiredService<IRestoreService>().RestoreTableAsync(
            new TableRestoreRequest { Table = TableName.Parse("public.film"), Mode = TableRestoreMode.Append, DryRun = true });

        result.Executed.Should().BeFalse();
        result.Plan.RowsInBackup.Should().Be(200);
        result.BackupId.Should().Be(_backupId);
    }

    [Test]
    public async Task Build_InvalidDrillOptions_ReportsEveryProblem()
    {
        var build = () => new DbResilienceBuilder()
            .UsePostgreSql(_source)
            .UseFileSystemStorage(_storage)
            .ConfigureDrills(o => { o.MaxBackupAge = TimeSpan.Zero; o.Jobs = 0; })
            .Build();

        var error = build.Should().Throw<DbResilienceConfigurationException>().Which;
        error.Message.Should().Contain("DrillOptions.MaxBackupAge").And.Contain("DrillOptions.Jobs");
        await Task.CompletedTask;
    }

    private DbResilienceHost Build(TimeProvider timeProvider, Action<DrillOptions>? drills = null)
        => new DbResilienceBuilder()
            .UseTimeProvider(timeProvider)
            .UsePostgreSql(_source)
            .UseFileSystemStorage(_storage)
            .ConfigureDrills(o => drills?.Invoke(o))
            .Build();

    private sealed class ShiftedTimeProvider(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
    }

    /// <summary>The real backup service, with one more film in the manifest's row counts than the dump has.</summary>
    private sealed class AlteredManifestBackupService(IBackupService inner) : IBackupService
    {
        public Task<BackupResult> CreateAsync(BackupRequest? request = null, CancellationToken cancellationToken = default) => inner.CreateAsync(request, cancellationToken);

        public Task<IReadOnlyList<BackupManifest>> ListAsync(CancellationToken cancellationToken = default) => inner.ListAsync(cancellationToken);

        public async Task<BackupManifest> GetAsync(string idOrLatest, CancellationToken cancellationToken = default)
        {
            var manifest = await inner.GetAsync(idOrLatest, cancellationToken);
            return manifest with { Tables = manifest.Tables.Select(t => t.Name == "film" ? t with { Rows = t.Rows + 1 } : t).ToList() };
        }

        public Task<Stream> OpenContentAsync(BackupManifest manifest, BackupFile file, CancellationToken cancellationToken = default) => inner.OpenContentAsync(manifest, file, cancellationToken);

        public Task<BackupVerificationResult> VerifyAsync(string idOrLatest, bool restoreTest = false, CancellationToken cancellationToken = default) => inner.VerifyAsync(idOrLatest, restoreTest, cancellationToken);

        public Task<BackupPruneResult> PruneAsync(bool dryRun = false, CancellationToken cancellationToken = default) => inner.PruneAsync(dryRun, cancellationToken);

        public Task<int> RebuildCatalogAsync(CancellationToken cancellationToken = default) => inner.RebuildCatalogAsync(cancellationToken);
    }
}
