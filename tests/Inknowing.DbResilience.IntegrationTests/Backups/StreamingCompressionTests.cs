using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Backups;
using Inknowing.DbResilience.PostgreSql.Tools;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Backups;

/// <summary>
/// The custom format compressed in process while pg_dump streams it uncompressed: rows counted from the archive's COPY data
/// must equal count(*), and pg_restore (stdin, --list, -j from a file) must read the result.
/// </summary>
public sealed class StreamingCompressionTests : StorageDirectoryTests
{
    private const string Tricky = """
        CREATE SCHEMA tricky;
        CREATE TABLE tricky.texts (id int PRIMARY KEY, body text, raw bytea);
        INSERT INTO tricky.texts VALUES
            (1, E'two\nlines', E'\\x0a0d5c'),
            (2, E'back\\slash and \\n literally', NULL),
            (3, E'tab\there, CR\r, and a final newline\n', E'\\x'),
            (4, NULL, NULL),
            (5, 'ünïcødé ✓ \. not an end marker', E'\\x5c2e0a'),
            (6, '', E'\\x00');
        INSERT INTO tricky.texts SELECT g, repeat(E'line\n', g % 7) || g, decode(lpad(to_hex(g), 8, '0'), 'hex') FROM generate_series(7, 30000) g;
        CREATE TABLE tricky.empty (id int);
        CREATE TABLE tricky."we""ird name" (x text);
        INSERT INTO tricky."we""ird name" SELECT E'a\nb' FROM generate_series(1, 3);
        CREATE TABLE tricky.measurements (id int, at date NOT NULL, note text) PARTITION BY RANGE (at);
        CREATE TABLE tricky.measurements_2025 PARTITION OF tricky.measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE tricky.measurements_2026 PARTITION OF tricky.measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        CREATE TABLE tricky.measurements_empty PARTITION OF tricky.measurements FOR VALUES FROM ('2030-01-01') TO ('2031-01-01');
        INSERT INTO tricky.measurements SELECT g, DATE '2025-03-01' + (g % 500), E'n\\' || g FROM generate_series(1, 5000) g;
        CREATE TABLE tricky.excluded (id int);
        INSERT INTO tricky.excluded SELECT generate_series(1, 42);
        CREATE UNLOGGED TABLE tricky.scratch (id int);
        INSERT INTO tricky.scratch SELECT generate_series(1, 11);
        SELECT lo_from_bytea(0, convert_to(repeat(E'large object\n', 20000), 'UTF8'));
        SELECT lo_from_bytea(0, '\x');
        """;

    private string _connectionString = null!;
    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        _connectionString = await Infrastructure.TestServers.CreateDatabaseAsync("streaming");
        await BackupTestDatabase.ExecuteAsync(_connectionString, BackupTestDatabase.ShopSchema + Tricky);
    }

    [Test]
    public async Task CreateAsync_DefaultCustomFormat_CountsRowsFromTheArchiveExactlyAsCountStar()
    {
        var storage = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [storage], o => o.ExcludeTableData.Add("tricky.excluded"));

        var manifest = (await host.GetRequiredService<IBackupService>().CreateAsync()).Manifest;

        manifest.RowCountSource.Should().Be("archive");
        manifest.DumpCompression.Should().Contain("zlib level 2").And.Contain("--compress=0");
        manifest.Compression.Should().Be(BackupCompression.None);
        var expected = await CountEveryTableAsync();
        manifest.Tables.Select(t => (t.Schema, t.Name, t.Rows)).Should().BeEquivalentTo(expected);
        manifest.Tables.Should().ContainEquivalentOf(new BackupTableRowCount { Schema = "tricky", Name = "texts", Rows = 30000, DataIncluded = true });
        manifest.Tables.Should().ContainEquivalentOf(new BackupTableRowCount { Schema = "tricky", Name = "empty", Rows = 0, DataIncluded = true });
        manifest.Tables.Should().ContainEquivalentOf(new BackupTableRowCount { Schema = "tricky", Name = "we\"ird name", Rows = 3, DataIncluded = true });
        manifest.Tables.Should().ContainEquivalentOf(new BackupTableRowCount { Schema = "tricky", Name = "excluded", Rows = 42, DataIncluded = false }, "left-out data is still counted, with count(*)");
        manifest.Tables.Should().ContainEquivalentOf(new BackupTableRowCount { Schema = "tricky", Name = "measurements_empty", Rows = 0, DataIncluded = true });
        manifest.Tables.Should().NotContain(t => t.Name == "measurements", "a partitioned table has no rows of its own; its partitions are listed");
    }

    [Test]
    public async Task CreateAsync_DefaultCustomFormat_PgRestoreReadsItFromStdinListAndParallelFromAFile()
    {
        var storage = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [storage]);
        var service = host.GetRequiredService<IBackupService>();
        var manifest = (await service.CreateAsync()).Manifest;

        var report = await service.VerifyAsync(manifest.Id, restoreTest: true);

        report.Problems.Should().BeEmpty();
        report.ArchiveCheck.Should().Contain("pg_restore --list read");
        report.TablesCompared.Should().BeGreaterThan(10);
        var file = Path.Combine(storage, "backups", manifest.Id, "data.dump");
        var listing = await RunToolAsync("pg_restore", null, "--list", file);
        // From archive version 1.15 (pg_dump 16) the header names the algorithm, not the level.
        listing.Should().Contain(Infrastructure.TestServers.LocalToolsMajor >= 16 ? "Compression: gzip" : "Compression: 2")
            .And.Contain("TABLE DATA tricky texts").And.Contain("BLOBS");

        var target = await Infrastructure.TestServers.CreateDatabaseAsync("streaming_restore");
        await RunToolAsync("pg_restore", target, "--dbname=" + new NpgsqlConnectionStringBuilder(target).Database, "--jobs=2", "--no-owner", "--exit-on-error", file);
        const string Digest = "SELECT md5(string_agg(id || ':' || coalesce(body, '<null>') || ':' || coalesce(encode(raw, 'hex'), '<null>'), '|' ORDER BY id)) FROM tricky.texts";
        (await BackupTestDatabase.ScalarAsync<string>(target, Digest)).Should().Be(await BackupTestDatabase.ScalarAsync<string>(_connectionString, Digest));
        const string LargeObjects = "SELECT string_agg(md5(lo_get(oid)), ',' ORDER BY md5(lo_get(oid))) FROM pg_largeobject_metadata";
        (await BackupTestDatabase.ScalarAsync<string>(target, LargeObjects)).Should().Be(await BackupTestDatabase.ScalarAsync<string>(_connectionString, LargeObjects));
    }

    [Test]
    public async Task CreateAsync_ArchiveCompressionLevelZero_PgDumpCompressesAndRowsAreCountedWithCountStar()
    {
        var storage = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [storage], o => o.ArchiveCompressionLevel = 0);
        var service = host.GetRequiredService<IBackupService>();

        var manifest = (await service.CreateAsync()).Manifest;

        manifest.RowCountSource.Should().Be("count");
        manifest.DumpCompression.Should().StartWith("pg_dump's default");
        manifest.Tables.Select(t => (t.Schema, t.Name, t.Rows)).Should().BeEquivalentTo(await CountEveryTableAsync());
        (await service.VerifyAsync(manifest.Id, restoreTest: true)).Problems.Should().BeEmpty();
    }

    [Test]
    public async Task CreateAsync_EncryptedDefaultCustomFormat_RestoreTestPasses()
    {
        var storage = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [storage], o =>
        {
            o.Encrypt = true;
            o.EncryptionKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        });
        var service = host.GetRequiredService<IBackupService>();

        var manifest = (await service.CreateAsync()).Manifest;
        var report = await service.VerifyAsync(manifest.Id, restoreTest: true);

        manifest.Encryption.Should().NotBeNull();
        manifest.RowCountSource.Should().Be("archive");
        report.Problems.Should().BeEmpty();
    }

    [Test]
    public async Task RunAsync_OneByteReads_GivesTheSameArchiveAndCountsAsLargeReads()
    {
        var raw = await DumpUncompressedAsync();

        using var whole = new CustomArchiveCompressor(1);
        whole.Process(raw);
        var expected = whole.TakeOutput();
        using var bytewise = new CustomArchiveCompressor(1);
        var actual = new MemoryStream();
        for (var i = 0; i < raw.Length; i++)
        {
            bytewise.Process(raw.AsSpan(i, 1));
            actual.Write(bytewise.TakeOutput());
        }

        actual.ToArray().Should().Equal(expected);
        bytewise.RowCounts.Should().BeEquivalentTo(whole.RowCounts);
        whole.RowCounts[("tricky", "texts")].Should().Be(30000);
        // The archive version each pg_dump writes: 12 to 15 write 1.14, 16 writes 1.15, 17 and 18 write 1.16.
        whole.ArchiveVersion.Should().StartWith(Infrastructure.TestServers.LocalToolsMajor switch { <= 15 => "1.14.", 16 => "1.15.", _ => "1.16." });
    }

    [Test]
    public async Task RunAsync_TruncatedArchive_ThrowsInsteadOfWritingAnArchiveThatLooksComplete()
    {
        var raw = await DumpUncompressedAsync();
        using var compressor = new CustomArchiveCompressor(1);

        var act = () => compressor.RunAsync(new MemoryStream(raw, 0, raw.Length - 100), Stream.Null, CancellationToken.None);

        await act.Should().ThrowAsync<InvalidDataException>().WithMessage("*ended in the middle*");
    }

    [Test]
    public async Task RunAsync_ArchiveCompressedByPgDump_IsRefused()
    {
        var raw = await DumpAsync("--compress=6");
        using var compressor = new CustomArchiveCompressor(1);

        var act = () => compressor.RunAsync(new MemoryStream(raw), Stream.Null, CancellationToken.None);

        await act.Should().ThrowAsync<InvalidDataException>().WithMessage("*--compress=0*");
    }

    [Test]
    public async Task RunAsync_NotAnArchive_IsRefused()
    {
        using var compressor = new CustomArchiveCompressor(1);

        var act = () => compressor.RunAsync(new MemoryStream("-- PostgreSQL database dump\n"u8.ToArray()), Stream.Null, CancellationToken.None);

        await act.Should().ThrowAsync<InvalidDataException>().WithMessage("*PGDMP*");
    }

    [Test]
    public async Task CreateAsync_MissingTable_ReportsPgDumpsErrorAndStoresNothing()
    {
        var storage = NewStorage();
        await using var host = BackupTestDatabase.BuildHost(_connectionString, [storage], o => o.Tables.Add("tricky.no_such_table"));

        var act = () => host.GetRequiredService<IBackupService>().CreateAsync();

        await act.Should().ThrowAsync<DbResilienceException>().WithMessage("*pg_dump*no matching tables*");
        (Directory.Exists(storage) ? Directory.GetFiles(storage, "*", SearchOption.AllDirectories) : []).Should().BeEmpty("a failed backup leaves no file behind");
    }

    private Task<byte[]> DumpUncompressedAsync() => DumpAsync("--compress=0");

    private async Task<byte[]> DumpAsync(string compress)
    {
        var directory = NewStorage();
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "raw.dump");
        await RunToolAsync("pg_dump", _connectionString, "--dbname=" + new NpgsqlConnectionStringBuilder(_connectionString).Database, "--format=custom", compress, "--file=" + file);
        return await File.ReadAllBytesAsync(file);
    }

    private async Task<List<(string Schema, string Name, long Rows)>> CountEveryTableAsync()
    {
        var tables = new List<(string, string)>();
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'",
            connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var counts = new List<(string, string, long)>();
        foreach (var (schema, name) in tables)
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM ONLY \"{schema}\".\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            counts.Add((schema, name, (long)(await count.ExecuteScalarAsync())!));
        }

        return counts;
    }

    private static async Task<string> RunToolAsync(string tool, string? connectionString, params string[] arguments)
    {
        var start = new ToolStartInfo(ToolLocator.FindClientTool(tool, null));
        if (connectionString is not null)
        {
            LibpqConnection.Apply(start, new NpgsqlConnectionStringBuilder(connectionString));
        }

        start.Arguments.AddRange(arguments);
        return await ToolProcess.RunAsync(start, CancellationToken.None);
    }
}
