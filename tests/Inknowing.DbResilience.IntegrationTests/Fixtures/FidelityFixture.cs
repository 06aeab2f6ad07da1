using Inknowing.DbResilience.IntegrationTests.Infrastructure;
using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Tools;
using Npgsql;

namespace Inknowing.DbResilience.IntegrationTests.Fixtures;

/// <summary>
/// The project's own fidelity fixture (<c>fidelity-schema.sql</c> and <c>fidelity-data.sql</c> beside this file): partitioned
/// and inherited tables, domains, enums, composite types, triggers, views, generated and identity columns, large objects,
/// extensions, quoted and non-ASCII names, with deterministic generated rows. Among them the film catalogue of the classic
/// sample databases: 6 languages, 200 films, 50 actors, film_actor and film_category for films 1-150, 300 inventory rows,
/// payments in monthly partitions, and a table with a quoted non-ASCII name.
/// </summary>
internal static class FidelityFixture
{
    /// <summary>The schemas the fixture creates (besides <c>public</c>).</summary>
    public static readonly string[] Schemas = ["ext", "shop", "Mixed.Schema", "archive", "Ünïcode Schéma"];

    public static string SchemaFile => Path.Combine(AppContext.BaseDirectory, "Fixtures", "fidelity-schema.sql");

    public static string DataFile => Path.Combine(AppContext.BaseDirectory, "Fixtures", "fidelity-data.sql");

    /// <summary>Creates a database with the fixture's schema and rows and returns its connection string.</summary>
    public static async Task<string> CreateAsync(string prefix)
    {
        var connectionString = await TestServers.CreateDatabaseAsync(prefix);
        await LoadAsync(connectionString, SchemaFile);
        await LoadAsync(connectionString, DataFile);
        return connectionString;
    }

    /// <summary>Runs one of the fixture's SQL files with psql, stopping at the first error.</summary>
    public static async Task LoadAsync(string connectionString, string file)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ToolStartInfo(ToolLocator.FindClientTool("psql", null));
        LibpqConnection.Apply(start, builder);
        start.Arguments.AddRange(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", LibpqConnection.DatabaseOnly(builder.Database!), "-f", file]);
        await ToolProcess.RunAsync(start, CancellationToken.None);
    }
}
