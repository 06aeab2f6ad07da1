using System.Text;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Inknowing.DbResilience.ExtensibilityTests.Plugins;

/// <summary>
/// A third party's backup target: writes the tables of schema <c>app</c> as a SQL script (CREATE TABLE, then INSERTs) through
/// the library's own data source, taken from the container under <see cref="DbResilienceBuilder.ServiceKey"/>.
/// </summary>
public sealed class SqlScriptBackupTarget([FromKeyedServices(DbResilienceBuilder.ServiceKey)] NpgsqlDataSource dataSource) : IBackupTarget
{
    public string Name => "sql-script";

    public async Task<BackupTargetResult> BackupAsync(BackupTargetRequest request, IBackupFileSink sink, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var script = new StringBuilder("CREATE SCHEMA app;\n");
        var counts = new List<BackupTableRowCount>();
        foreach (var table in await ListAsync(connection, "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'app' AND c.relkind = 'r' ORDER BY 1", cancellationToken))
        {
            var columns = await ListAsync(connection, $"SELECT quote_ident(attname) || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'app.{table}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum", cancellationToken);
            var names = columns.Select(c => c[..c.IndexOf(' ', StringComparison.Ordinal)]).ToList();
            script.Append("CREATE TABLE app.").Append(table).Append(" (").AppendJoin(", ", columns).Append(");\n");
            var inserts = await ListAsync(connection, $"SELECT 'INSERT INTO app.{table} VALUES (' || concat_ws(', ', {string.Join(", ", names.Select(n => $"quote_nullable({n})"))}) || ');' FROM app.{table}", cancellationToken);
            script.AppendJoin('\n', inserts).Append('\n');
            counts.Add(new BackupTableRowCount { Schema = "app", Name = table, Rows = inserts.Count, DataIncluded = true });
        }

        await using (var content = new MemoryStream(Encoding.UTF8.GetBytes(script.ToString())))
        {
            await sink.WriteFileAsync("data.sql", BackupFileRole.Data, content, cancellationToken);
        }

        return new BackupTargetResult
        {
            Database = connection.Database,
            ServerVersion = connection.PostgreSqlVersion.ToString(),
            Tool = Name,
            ToolVersion = "1.0",
            Tables = counts,
            RowCountSource = "count",
        };
    }

    public Task<string> CheckReadableAsync(BackupManifest manifest, BackupFile file, Stream content, CancellationToken cancellationToken = default)
        => Task.FromResult("a SQL script");

    public Task<IReadOnlyList<BackupTableRowCount>> RestoreTestAsync(BackupManifest manifest, Stream content, CancellationToken cancellationToken = default)
        => Task.FromResult(manifest.Tables);

    private static async Task<List<string>> ListAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
