using Inknowing.DbResilience.Restore;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>Creates, drops and probes databases through the maintenance database, quoting every name.</summary>
internal sealed class DatabaseAdmin(string connectionString, string maintenanceDatabase)
{
    public string ConnectionString { get; } = connectionString;

    public string ConnectionStringFor(string database) => PostgreSqlConnections.WithDatabase(ConnectionString, database);

    /// <summary>Drops the scratch databases killed runs of this host left, then creates one with this process's owner record.</summary>
    /// <returns>The abandoned databases dropped.</returns>
    public Task<IReadOnlyList<string>> CreateScratchAsync(string database, string? temporaryDirectory, CancellationToken cancellationToken)
        => ScratchDatabase.CreateAsync(ConnectionStringFor(maintenanceDatabase), database, temporaryDirectory, cancellationToken);

    /// <summary>Drops the scratch databases killed runs of this host left (by their comment or a drill's intent record in <paramref name="temporaryDirectory"/>).</summary>
    /// <returns>The abandoned databases dropped.</returns>
    public Task<IReadOnlyList<string>> DropAbandonedScratchAsync(string? temporaryDirectory, CancellationToken cancellationToken)
        => ScratchDatabase.DropAbandonedAsync(ConnectionStringFor(maintenanceDatabase), temporaryDirectory, cancellationToken);

    /// <summary>Tells whether <paramref name="database"/> is a scratch database of this process (its owner record names it).</summary>
    public Task<bool> IsOwnScratchAsync(string database, CancellationToken cancellationToken)
        => ScratchDatabase.IsOwnAsync(ConnectionStringFor(maintenanceDatabase), database, cancellationToken);

    /// <summary>Writes this process's owner record on <paramref name="database"/> again (after a drop and create, or restored properties).</summary>
    public Task MarkScratchAsync(string database, CancellationToken cancellationToken)
        => ScratchDatabase.MarkAsync(ConnectionStringFor(maintenanceDatabase), database, cancellationToken);

    /// <summary>Returns the server's version (what a restore checks its tools against before it changes anything).</summary>
    public async Task<Version> GetServerVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenMaintenanceAsync(cancellationToken).ConfigureAwait(false);
        return connection.PostgreSqlVersion;
    }

    public async Task<bool> ExistsAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = await OpenMaintenanceAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = database });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public Task CreateAsync(string database, CancellationToken cancellationToken)
        => ExecuteAsync($"CREATE DATABASE {TableName.QuoteIdentifier(database)} TEMPLATE template0", cancellationToken);

    public Task DropAsync(string database, CancellationToken cancellationToken)
        => ExecuteAsync($"DROP DATABASE IF EXISTS {TableName.QuoteIdentifier(database)} WITH (FORCE)", cancellationToken);

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenMaintenanceAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task<NpgsqlConnection> OpenMaintenanceAsync(CancellationToken cancellationToken)
        => PostgreSqlConnections.OpenAsync(ConnectionStringFor(maintenanceDatabase), cancellationToken);
}
