using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Backups;
using Inknowing.DbResilience.PostgreSql.Tools;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Backups;

/// <summary>The pagila schema (domains, enums, triggers, partitions, views, a non-ASCII identifier) with generated rows, through backup and pg_restore.</summary>
public sealed class PagilaRoundTripTests
{
    private const string Rows = """
        INSERT INTO public.language (name) VALUES ('English'), ('Français');
        INSERT INTO public.actor (first_name, last_name) SELECT 'First' || g, 'Last' || g FROM generate_series(1, 200) g;
        INSERT INTO public.category (name) SELECT 'Category ' || g FROM generate_series(1, 16) g;
        INSERT INTO public.film (title, description, release_year, language_id, length, rating, special_features, fulltext)
            SELECT 'Film ' || g, 'A film about number ' || g, 2000 + g % 20, 1 + g % 2, 60 + g % 120,
                   (ARRAY['G','PG','PG-13','R','NC-17'])[1 + g % 5]::public.mpaa_rating, ARRAY['Trailers'], to_tsvector('english', 'Film ' || g)
            FROM generate_series(1, 1000) g;
        INSERT INTO public.film_actor (actor_id, film_id) SELECT 1 + g % 200, g FROM generate_series(1, 1000) g;
        INSERT INTO public.film_category (film_id, category_id) SELECT g, 1 + g % 16 FROM generate_series(1, 1000) g;
        INSERT INTO public.country (country) SELECT 'Country ' || g FROM generate_series(1, 50) g;
        INSERT INTO public.city (city, country_id) SELECT 'City ' || g, 1 + g % 50 FROM generate_series(1, 300) g;
        INSERT INTO public.address (address, district, city_id, phone) SELECT g || ' Main Street', 'District', 1 + g % 300, '555-0100' FROM generate_series(1, 600) g;
        """;

    [TestCase(BackupFormat.Custom)]
    [TestCase(BackupFormat.Directory)]
    public async Task VerifyAsync_PagilaWithRows_RestoresEveryTableWithTheSameRowCounts(BackupFormat format)
    {
        var connectionString = await TestServers.CreateDatabaseAsync("pagila");
        await LoadSchemaAsync(connectionString);
        await BackupTestDatabase.ExecuteAsync(connectionString, Rows);
        var storage = BackupTestDatabase.NewStorageDirectory();
        try
        {
            await using var host = BackupTestDatabase.BuildHost(connectionString, [storage]);
            var service = host.GetRequiredService<IBackupService>();

            var created = await service.CreateAsync(new BackupRequest { Format = format });
            var report = await service.VerifyAsync(created.Manifest.Id, restoreTest: true);

            report.Problems.Should().BeEmpty();
            report.TablesCompared.Should().BeGreaterThan(20, "pagila has dozens of tables and partitions");
            created.Manifest.Tables.Should().ContainEquivalentOf(new BackupTableRowCount("public", "film", 1000, true));
            created.Manifest.Tables.Should().Contain(t => t.Name == "payment_p2022_01");
            created.Manifest.RowCountSource.Should().Be(format == BackupFormat.Custom ? "archive" : "count", "the custom format is compressed while streaming and counted on the way");
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }

    private static async Task LoadSchemaAsync(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ToolStartInfo(ToolLocator.FindClientTool("psql", null));
        LibpqConnection.Apply(start, builder);
        start.Arguments.AddRange(["--dbname=" + builder.Database, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
            "--file=" + Path.Combine(RepositoryPaths.Shared, "fixtures", "pagila", "pagila-schema.sql")]);
        await ToolProcess.RunAsync(start, CancellationToken.None);
    }
}
