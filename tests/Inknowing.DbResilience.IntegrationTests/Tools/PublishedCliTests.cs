using System.Text;
using System.Text.Json;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;

namespace Inknowing.DbResilience.IntegrationTests.Tools;

/// <summary>
/// The CLI as operators install it: <c>./build.sh publish</c>, one NativeAOT binary for this machine
/// (<c>dotnet publish -r linux-x64 -p:PublishAot=true</c>). Every verb whose code differs most under NativeAOT runs
/// through it: source-generated <c>--json</c> output, Npgsql, the AWS SDK, pg_dump and pg_restore as child processes.
/// </summary>
[Category("Packaging")]
public sealed class PublishedCliTests : PublishedCliFixture
{
    /// <inheritdoc/>
    protected override string[] PublishOptions => [];

    /// <inheritdoc/>
    protected override (string FileName, string[] Prefix) Command => (Path.Combine(Published, "dbresilience"), []);

    [Test]
    public void Publish_IsOneNativeBinaryAndItsSymbols()
    {
        Directory.GetFiles(Published).Select(Path.GetFileName).Should().BeEquivalentTo("dbresilience", "dbresilience.dbg");
        var header = new byte[4];
        using (var binary = File.OpenRead(Path.Combine(Published, "dbresilience")))
        {
            binary.ReadExactly(header);
        }

        header.Should().Equal(0x7F, (byte)'E', (byte)'L', (byte)'F');
    }

    [Test]
    public async Task Help_WithoutADotnetRuntime_Runs()
    {
        // No .NET runtime to be found: the binary must not need one.
        var environment = new Dictionary<string, string> { ["DOTNET_ROOT"] = "/nonexistent", ["PATH"] = "/usr/bin:/bin" };

        var help = await RunAsync(environment, "--help");

        help.ExitCode.Should().Be(0, help.Both);
        help.Output.Should().Contain("Usage:").And.Contain("backup").And.Contain("wal-push");
    }

    [Test]
    public async Task Verbs_ThroughTheNativeBinary_WriteTheirJsonAndRestoreEveryRow()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("aot");
        var work = Directory.CreateTempSubdirectory("dbr-aot-verbs-").FullName;
        try
        {
            var migrations = Directory.CreateDirectory(Path.Combine(work, "migrations")).FullName;
            await File.WriteAllTextAsync(Path.Combine(migrations, "V1__create_books.sql"), "CREATE TABLE books (id int PRIMARY KEY, title text NOT NULL, price numeric(8,2));");
            await File.WriteAllTextAsync(Path.Combine(migrations, "V2__add_books.sql"), "INSERT INTO books SELECT g, 'Bücher ' || g, g / 10.0 FROM generate_series(1, 5000) g;");
            var environment = Environment(connectionString, new Uri(Path.Combine(work, "backups") + "/").AbsoluteUri.TrimEnd('/'));
            var target = "aot_restored_" + Guid.NewGuid().ToString("N")[..8];

            var check = await RunAsync(environment, "check", "--json");
            var migrate = await RunAsync(environment, "migrate", "--migrations", migrations, "--json");
            var status = await RunAsync(environment, "status", "--migrations", migrations, "--json");
            var backup = await RunAsync(environment, "backup", "--tier", "daily", "--json");
            var list = await RunAsync(environment, "backups", "list", "--json");
            var verify = await RunAsync(environment, "verify", "latest", "--json");
            var restore = await RunAsync(environment, "restore", "latest", "--target-database", target, "--json");
            var integrity = await RunAsync(environment, "integrity", "--json");

            foreach (var run in new[] { check, migrate, status, backup, list, verify, restore, integrity })
            {
                run.ExitCode.Should().Be(0, run.Both);
            }

            Json(check).GetProperty("serverVersion").GetString().Should().StartWith("15.");
            Json(migrate).GetProperty("executions").GetArrayLength().Should().Be(2);
            Json(status).EnumerateArray().Select(e => e.GetProperty("status").GetString()).Should().Equal("completed", "completed");
            Json(backup).GetProperty("status").GetString().Should().Be("completed");
            Json(list)[0].GetProperty("tier").GetString().Should().Be("daily");
            Json(list)[0].GetProperty("format").GetString().Should().Be("custom");
            Json(verify).GetProperty("succeeded").GetBoolean().Should().BeTrue();
            Json(restore).GetProperty("targetDatabase").GetString().Should().Be(target);
            Json(integrity).GetProperty("tableRowCounts").EnumerateObject().Single(t => t.Name.Contains("books", StringComparison.Ordinal)).Value.GetInt64().Should().Be(5000);
            await using var restored = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Database = target }.ConnectionString);
            await restored.OpenAsync();
            await using var rows = new Npgsql.NpgsqlCommand("SELECT count(*), sum(price), min(title) FROM books", restored);
            await using var reader = await rows.ExecuteReaderAsync();
            await reader.ReadAsync();
            reader.GetInt64(0).Should().Be(5000);
            reader.GetDecimal(1).Should().Be(1250250.00m);
            reader.GetString(2).Should().Be("Bücher 1");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static JsonElement Json(ChildProcess.Result run)
    {
        using var document = JsonDocument.Parse(Encoding.UTF8.GetBytes(run.Output));
        return document.RootElement.Clone();
    }
}
