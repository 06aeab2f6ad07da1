using Inknowing.DbResilience.Migrations;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Migrations;

// Reads the tracking table and checks the objects that validation expects.
internal sealed partial class PostgreSqlMigrationRunner
{
    private async Task<Dictionary<string, TrackedMigration>> ReadTrackedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, TrackedMigration>(StringComparer.Ordinal);
        var exists = new NpgsqlCommand(_tracking.ExistsSql, connection);
        await using (exists.ConfigureAwait(false))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                return result;
            }
        }

        var command = new NpgsqlCommand(_tracking.SelectSql, connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var row = new TrackedMigration(
                        reader.GetString(0),
                        reader.GetString(1),
                        reader.GetString(2),
                        reader.GetString(3),
                        reader.GetString(4),
                        reader.IsDBNull(5) ? null : new DateTimeOffset(reader.GetDateTime(5), TimeSpan.Zero),
                        reader.IsDBNull(6) ? null : reader.GetInt64(6),
                        reader.IsDBNull(7) ? null : reader.GetString(7))
                    {
                        Origin = reader.IsDBNull(8) ? null : reader.GetString(8),
                    };
                    result[row.Version] = row;
                }
            }
        }

        return result;
    }

    private async Task<List<MigrationProblem>> FindMissingObjectsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var problems = new List<MigrationProblem>();
        var expected = _options.ExpectedTables.Select(t => (Name: t, Kinds: "rpvmf", What: "table"))
            .Concat(_options.ExpectedIndexes.Select(i => (Name: i, Kinds: "iI", What: "index")));
        foreach (var (name, kinds, what) in expected)
        {
            const string sql = """
                SELECT c.relkind::text, coalesce(i.indisvalid, true)
                FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
                WHERE c.oid = pg_catalog.to_regclass($1)
                """;
            var command = new NpgsqlCommand(sql, connection) { Parameters = { new NpgsqlParameter { Value = name } } };
            await using (command.ConfigureAwait(false))
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    var found = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    if (!found || !kinds.Contains(reader.GetString(0), StringComparison.Ordinal))
                    {
                        problems.Add(new MigrationProblem { Kind = MigrationProblemKind.MissingObject, Version = name, Message = $"The expected {what} '{name}' does not exist." });
                    }
                    else if (!reader.GetBoolean(1))
                    {
                        problems.Add(new MigrationProblem { Kind = MigrationProblemKind.MissingObject, Version = name, Message = $"The expected index '{name}' is INVALID: drop it with DROP INDEX CONCURRENTLY and build it again." });
                    }
                }
            }
        }

        return problems;
    }
}
