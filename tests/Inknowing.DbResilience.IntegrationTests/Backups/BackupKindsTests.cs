using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Inknowing.DbResilience.Drills;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.IntegrationTests.PointInTime;
using Inknowing.DbResilience.PostgreSql.Clusters;
using Inknowing.DbResilience.PostgreSql.DependencyInjection;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Restore;
using Inknowing.DbResilience.Retention;
using Inknowing.DbResilience.Storage;
using NUnit.Framework;

namespace Inknowing.DbResilience.IntegrationTests.Backups;

/// <summary>
/// One model for both kinds: a logical backup and two base backups of one archiving cluster (a local one of its own), listed,
/// verified and pruned through <see cref="IBackupService"/> and the CLI; and manifests in the layout the previous code wrote
/// (logical and base layout 2) stay listable, verifiable and restorable.
/// </summary>
[NonParallelizable]
public sealed class BackupKindsTests
{
    private LocalPostgreSqlCluster _cluster = null!;
    private string _work = null!;
    private string _storagePath = null!;
    private DbResilienceHost _host = null!;
    private BackupManifest _logical = null!;
    private BackupManifest _oldBase = null!;
    private BackupManifest _newBase = null!;

    [OneTimeSetUp]
    public async Task SetUp()
    {
        _ = TestServers.PostgreSqlConnectionString;
        _work = Path.Combine(Path.GetTempPath(), "dbresilience-kinds-" + Guid.NewGuid().ToString("N")[..8]);
        _storagePath = Path.Combine(_work, "storage");
        _cluster = await LocalPostgreSqlCluster.StartNewAsync(new LocalClusterOptions { EnableArchiving = true, DisableFsync = true, ReplicationRole = "replicator" });
        _host = BuildHost();
        await _cluster.ExecuteAsync("CREATE TABLE marks (note text PRIMARY KEY); INSERT INTO marks SELECT 'row-' || g FROM generate_series(1, 100) g");
        _logical = (await _host.GetRequiredService<IBackupService>().CreateAsync(new BackupRequest { Tier = "daily" })).Manifest;
        var baseBackups = _host.GetRequiredService<BaseBackupService>();
        await _cluster.ExecuteAsync("SELECT pg_switch_wal()");
        _oldBase = await baseBackups.CreateAsync();
        await _cluster.ExecuteAsync("INSERT INTO marks VALUES ('between'); SELECT pg_switch_wal()");
        _newBase = await baseBackups.CreateAsync();
        await _cluster.ExecuteAsync("INSERT INTO marks VALUES ('after')");
        await PitrTestCluster.SwitchAndWaitForArchiveAsync(_cluster);
        await PitrTestCluster.PushArchiveAsync(_cluster, _host.GetRequiredService<WalArchive>());
    }

    [OneTimeTearDown]
    public async Task TearDown()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await PitrTestCluster.TearDownAsync(_cluster, _work);
    }

    [Test]
    public async Task ListAsync_LogicalAndBaseBackups_OneListWithTheirKinds()
    {
        var listed = await _host.GetRequiredService<IBackupService>().ListAsync();

        listed.Select(m => (m.Id, m.Kind)).Should().Equal((_logical.Id, BackupKind.Logical), (_oldBase.Id, BackupKind.Base), (_newBase.Id, BackupKind.Base));
        var newest = listed[^1];
        newest.Format.Should().Be(BackupFormat.Tar);
        newest.Wal!.StopLsn.Should().Be(_newBase.Wal!.StopLsn);
        newest.GetDataFile().Name.Should().Be("base.tar.lz4");
        newest.ParentId.Should().BeNull();
        (await _host.GetRequiredService<IBackupService>().GetAsync("latest")).Id.Should().Be(_logical.Id, "'latest' is the newest logical backup");
    }

    [Test]
    public async Task BaseBackupManifest_AsStored_HasNoEmptyObjects()
    {
        var json = await File.ReadAllTextAsync(Path.Combine(_storagePath, "base", _newBase.Id, "manifest.json"));

        json.Should().NotContain("{}").And.NotContain("startSegment");
        JsonNode.Parse(json)!["kind"]!.GetValue<string>().Should().Be("base");
        JsonNode.Parse(json)!["wal"]!["timeline"]!.GetValue<uint>().Should().Be(1);
    }

    [Test]
    public async Task Manifests_AsStoredForBothKinds_NoEmptyObjectAndEveryLsnAsText()
    {
        foreach (var manifest in new[] { _logical, _newBase })
        {
            var json = await File.ReadAllTextAsync(Path.Combine(_storagePath, BackupLayout.ManifestKey(manifest.Kind, manifest.Id)));
            var problems = new List<string>();
            var lsns = new List<string>();
            CheckManifestNode(JsonNode.Parse(json)!, "$", problems, lsns);

            problems.Should().BeEmpty($"the {manifest.Kind} manifest as the writer stored it holds no empty object and no LSN other than X/Y text");
            lsns.Should().HaveCount(manifest.Kind == BackupKind.Base ? 2 : 0, "a base backup records where its WAL starts and stops; a logical one has no WAL range");
        }
    }

    [Test]
    public async Task VerifyAsync_BaseBackupAndADamagedCopy_PassesThenNamesTheDamagedTar()
    {
        var service = _host.GetRequiredService<IBackupService>();
        var passed = await service.VerifyAsync(_oldBase.Id);

        passed.Problems.Should().BeEmpty();
        passed.Kind.Should().Be(BackupKind.Base);
        passed.Copies.Should().ContainSingle().Which.Succeeded.Should().BeTrue();
        passed.ArchiveCheck.Should().Contain(_oldBase.Wal!.StartLsn);
        (await service.GetAsync(_oldBase.Id)).Status.Should().Be(BackupStatus.Verified);

        // A damaged copy, in a storage of its own made of hard links (the tar replaced, never edited in place).
        var damaged = Path.Combine(_work, "damaged");
        PitrCli.Run("cp", new Dictionary<string, string>(), "-al", _storagePath, damaged).ExitCode.Should().Be(0);
        var tar = Path.Combine(damaged, "base", _oldBase.Id, "base.tar.lz4");
        var bytes = await File.ReadAllBytesAsync(tar);
        File.Delete(tar);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(tar, bytes);
        await using var host = BuildHost(damaged);
        var failed = await host.GetRequiredService<IBackupService>().VerifyAsync(_oldBase.Id);

        failed.Succeeded.Should().BeFalse();
        failed.Problems.Should().ContainSingle().Which.Should().Contain("base.tar.lz4");
    }

    [Test]
    public async Task PruneAsync_DryRunKeepingOneBaseBackup_OnePlanForBothKindsAndTheWalOnlyTheOldBaseNeeds()
    {
        var result = await _host.GetRequiredService<IBackupService>().PruneAsync(dryRun: true);

        result.DryRun.Should().BeTrue();
        var decisions = result.Plan.Decisions.ToDictionary(d => d.Id);
        decisions[_logical.Id].Kind.Should().Be(BackupKind.Logical);
        decisions[_logical.Id].Action.Should().Be(RetentionAction.Keep);
        decisions[_newBase.Id].Kind.Should().Be(BackupKind.Base);
        decisions[_newBase.Id].Action.Should().Be(RetentionAction.Keep);
        decisions[_oldBase.Id].Action.Should().Be(RetentionAction.Delete);
        decisions[_oldBase.Id].Reason.Should().Contain(_newBase.Id);
        var needed = WalSegmentName.FromLsn(_newBase.Wal!.Timeline, NpgsqlTypes.NpgsqlLogSequenceNumber.Parse(_newBase.Wal.StartLsn)).ToString();
        result.Plan.Wal!.OldestNeededSegment.Should().Be(needed);
        result.Plan.Wal.Delete.Should().NotBeEmpty().And.OnlyContain(k => string.CompareOrdinal(Path.GetFileName(k).Substring(0, 24), needed) < 0);
        result.Plan.Wal.Reason.Should().NotBeNullOrEmpty();
        Directory.Exists(Path.Combine(_storagePath, "base", _oldBase.Id)).Should().BeTrue("a dry run deletes nothing");
    }

    [Test]
    public async Task DrillRunner_BaseBackupId_RestoredToItsConsistentPointInTheOneReportAndRecorded()
    {
        var report = await _host.GetRequiredService<IDrillRunner>().RunAsync(_oldBase.Id);

        report.Steps.Should().OnlyContain(s => s.Passed, string.Join("; ", report.Steps.Select(s => $"{s.Name}: {s.Details}")));
        report.Passed.Should().BeTrue();
        report.Kind.Should().Be(BackupKind.Base);
        report.BackupId.Should().Be(_oldBase.Id);
        report.Steps.Select(s => s.Name).Should().Equal("select_backup", "restore", "verify", "rto_objective", "drop_copy");
        report.Rto.Should().BePositive();
        report.Tables.Should().BeEmpty();
        await using var connection = new Npgsql.NpgsqlConnection(_cluster.ConnectionString);
        await connection.OpenAsync();
        var recorded = new List<(string Type, bool Success)>();
        await using (var reader = await new Npgsql.NpgsqlCommand($"SELECT recovery_type, success FROM dbresilience.recovery_history WHERE backup_used = '{_oldBase.Id}' ORDER BY id", connection).ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                recorded.Add((reader.GetString(0), reader.GetBoolean(1)));
            }
        }

        recorded.Should().Equal(("pitr", true), ("base_drill", true));
    }

    [Test]
    public void Cli_BackupsListAndPruneDryRun_ShowBothKinds()
    {
        var environment = new Dictionary<string, string>
        {
            ["DBRESILIENCE_CONNECTION"] = _cluster.ConnectionString,
            ["DBRESILIENCE_STORAGE"] = new Uri(_storagePath).AbsoluteUri,
        };

        var (listCode, list, listErrors) = PitrCli.RunSeparately(PitrCli.DotnetPath, environment, PitrCli.DllPath, "backups", "list", "--json");
        var (pruneCode, prune, pruneErrors) = PitrCli.RunSeparately(PitrCli.DotnetPath, environment, PitrCli.DllPath, "prune", "--dry-run", "--json");
        var (textCode, text) = PitrCli.RunCli(environment, "backups", "list");

        listCode.Should().Be(0, listErrors);
        var items = JsonNode.Parse(list)!.AsArray();
        items.Select(i => (i!["id"]!.GetValue<string>(), i["kind"]!.GetValue<string>()))
            .Should().Contain([(_logical.Id, "logical"), (_newBase.Id, "base")]);
        items.Single(i => i!["id"]!.GetValue<string>() == _newBase.Id)!["wal"]!["startLsn"]!.GetValue<string>().Should().Be(_newBase.Wal!.StartLsn);
        pruneCode.Should().Be(0, pruneErrors);
        var plan = JsonNode.Parse(prune)!;
        plan["decisions"]!.AsArray().Should().Contain(d => d!["id"]!.GetValue<string>() == _newBase.Id && d["kind"]!.GetValue<string>() == "base");
        plan["wal"]!["delete"]!.GetValue<int>().Should().BeGreaterThan(0);
        textCode.Should().Be(0, text);
        text.Should().Contain("KIND").And.MatchRegex($"{_newBase.Id} +base ");
    }

    [Test]
    public async Task Layout2_ManifestsWrittenByThePreviousCode_StayListableRestorableAndVerifiable()
    {
        // The same backups, their manifests rewritten as the code before one model wrote them (logical and base layout 2, sealed).
        var store = Path.Combine(_work, "layout2");
        PitrCli.Run("cp", new Dictionary<string, string>(), "-r", _storagePath, store).ExitCode.Should().Be(0);
        var storage = new FileSystemStorageProvider(store);
        await WriteAsync(storage, $"backups/{_logical.Id}/manifest.json", LogicalLayout2(_logical));
        await WriteAsync(storage, $"base/{_newBase.Id}/manifest.json", BaseLayout2(_newBase, new Uri(store).AbsoluteUri));
        await using var host = BuildHost(store);
        var service = host.GetRequiredService<IBackupService>();

        var listed = (await service.ListAsync()).ToDictionary(m => m.Id);
        var damaged = await service.ListDamagedAsync();
        listed[_logical.Id].FormatVersion.Should().Be(2);
        listed[_logical.Id].Tables.Should().BeEquivalentTo(_logical.Tables);
        listed[_newBase.Id].FormatVersion.Should().Be(2);
        listed[_newBase.Id].Kind.Should().Be(BackupKind.Base);
        listed[_newBase.Id].Wal.Should().BeEquivalentTo(_newBase.Wal);
        listed[_newBase.Id].GetDataFile().Should().BeEquivalentTo(_newBase.GetDataFile());
        damaged.Should().BeEmpty();

        // Restorable: the logical one into a new database, the base one to its latest point.
        var database = "layout2_" + Guid.NewGuid().ToString("N")[..8];
        await host.GetRequiredService<IRestoreService>().RestoreAsync(new RestoreRequest { BackupId = _logical.Id, TargetDatabase = database });
        (await CountAsync(_cluster.GetConnectionString(database))).Should().Be(100);
        var restored = await host.GetRequiredService<PointInTimeRestorer>().RestoreAsync(new PointInTimeRestoreRequest
        {
            TargetDirectory = Path.Combine(_work, "layout2-restored"),
            Target = RecoveryTarget.Latest,
            BaseBackupId = _newBase.Id,
            Start = true,
            Settings = new Dictionary<string, string> { ["fsync"] = "off" },
        });
        await using (restored.Cluster!)
        {
            (await CountAsync(restored.Cluster!.ConnectionString)).Should().Be(102);
        }

        // Verifiable: both pass, and are then marked verified in the current layout.
        (await service.VerifyAsync(_logical.Id)).Problems.Should().BeEmpty();
        (await service.VerifyAsync(_newBase.Id)).Problems.Should().BeEmpty();
        (await service.GetAsync(_newBase.Id)).FormatVersion.Should().Be(BackupManifest.CurrentFormatVersion);
    }

    private DbResilienceHost BuildHost(string? storage = null)
        => new DbResilienceBuilder()
            .UsePostgreSql(_cluster.ConnectionString)
            .UseFileSystemStorage(storage ?? _storagePath)
            .EnablePointInTimeRecovery()
            .ConfigureBackups(o => o.Retention.BaseBackups = 1)
            .Build();

    private static async Task<long> CountAsync(string connectionString)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return (long)(await new Npgsql.NpgsqlCommand("SELECT count(*) FROM marks WHERE note LIKE 'row-%' OR note IN ('between', 'after')", connection).ExecuteScalarAsync())!;
    }

    private static async Task WriteAsync(FileSystemStorageProvider storage, string key, byte[] bytes)
    {
        using var content = new MemoryStream(bytes);
        await storage.WriteAsync(key, content);
    }

    /// <summary>A logical manifest as layout 2 wrote it: the same fields, formatVersion 2, no WAL range or parent.</summary>
    private static byte[] LogicalLayout2(BackupManifest manifest)
    {
        var json = JsonNode.Parse(BackupManifestSerializer.Serialize(manifest))!.AsObject();
        json.Remove("manifestSha256");
        json["formatVersion"] = 2;
        return StoredManifest.Seal(Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
    }

    /// <summary>A base manifest as layout 2 wrote it (see the unit tests' fixture base-layout2.manifest.json), empty LSN objects included.</summary>
    private static byte[] BaseLayout2(BackupManifest manifest, string storage)
    {
        var wal = manifest.Wal!;
        var data = manifest.GetDataFile();
        var segment = new JsonObject { ["timeline"] = wal.Timeline, ["logId"] = 0, ["segment"] = 2, ["startLsn"] = new JsonObject(), ["endLsn"] = new JsonObject() };
        var json = new JsonObject
        {
            ["formatVersion"] = 2,
            ["id"] = manifest.Id,
            ["dataKey"] = $"base/{manifest.Id}/{data.Name}",
            ["compression"] = "lz4",
            ["size"] = data.SizeBytes,
            ["sha256"] = data.Sha256,
            ["startLsn"] = wal.StartLsn,
            ["stopLsn"] = wal.StopLsn,
            ["timeline"] = wal.Timeline,
            ["startTime"] = manifest.StartedAt,
            ["stopTime"] = manifest.CompletedAt,
            ["postgreSqlVersion"] = manifest.ServerVersion,
            ["storages"] = new JsonArray(storage),
            ["startSegment"] = segment,
            ["stopSegment"] = segment.DeepClone(),
        };
        return StoredManifest.Seal(Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
    }

    private static void CheckManifestNode(JsonNode node, string path, List<string> problems, List<string> lsns)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj.Count == 0)
                {
                    problems.Add($"{path} is an empty object");
                }

                foreach (var (name, child) in obj)
                {
                    if (name.EndsWith("lsn", StringComparison.OrdinalIgnoreCase))
                    {
                        var text = child is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;
                        if (text is null || !System.Text.RegularExpressions.Regex.IsMatch(text, "^[0-9A-F]{1,8}/[0-9A-F]{1,8}$"))
                        {
                            problems.Add($"{path}.{name} is {child?.ToJsonString() ?? "null"}, not an LSN as X/Y text");
                        }
                        else
                        {
                            lsns.Add(text);
                        }
                    }

                    if (child is not null)
                    {
                        CheckManifestNode(child, $"{path}.{name}", problems, lsns);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item)
                    {
                        CheckManifestNode(item, $"{path}[{i}]", problems, lsns);
                    }
                }

                break;
        }
    }
}
