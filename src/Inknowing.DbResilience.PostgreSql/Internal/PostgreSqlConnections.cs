using Npgsql;

namespace Inknowing.DbResilience.PostgreSql;

/// <summary>Opens connections with errors that name the server and database but never the password.</summary>
internal static class PostgreSqlConnections
{
    /// <summary>Opens a connection to the database of a connection string.</summary>
    /// <exception cref="DbResilienceException">The database could not be reached.</exception>
    public static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (NpgsqlException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            var target = new NpgsqlConnectionStringBuilder(connectionString);
            throw new DbResilienceException(
                $"Could not connect to PostgreSQL at {target.Host}:{target.Port}, database '{target.Database}', as '{target.Username}': {ex.Message}", ex);
        }
    }

    /// <summary>Returns the connection string with another database and pooling off.</summary>
    public static string WithDatabase(string connectionString, string database)
        => new NpgsqlConnectionStringBuilder(connectionString) { Database = database, Pooling = false }.ConnectionString;
}
