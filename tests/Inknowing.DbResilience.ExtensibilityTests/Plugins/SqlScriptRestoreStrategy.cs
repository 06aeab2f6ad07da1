using System.Security.Cryptography;
using Inknowing.DbResilience.Restore;
using Npgsql;

namespace Inknowing.DbResilience.ExtensibilityTests.Plugins;

/// <summary>
/// A third party's restore strategy for plain SQL backups: verifies the SHA-256, creates the target database on the server
/// of <see cref="RestoreRequest.TargetConnectionString"/> and runs the script there through Npgsql (no psql).
/// </summary>
public sealed class SqlScriptRestoreStrategy(TimeProvider timeProvider) : IRestoreStrategy
{
    public string Name => "sql-script-restore";

    public bool CanRestore(RestoreSource source, RestoreRequest request) => source.Format == RestoreSourceFormat.Plain && !request.DataOnly;

    public async Task<RestoreResult> RestoreAsync(RestoreSource source, RestoreRequest request, CancellationToken cancellationToken = default)
    {
        var startedAt = timeProvider.GetUtcNow();
        var server = request.TargetConnectionString ?? throw new ArgumentException("The request names no server.", nameof(request));
        byte[] stored;
        await using (var stream = await source.OpenAsync(cancellationToken))
        using (var buffer = new MemoryStream())
        {
            await stream.CopyToAsync(buffer, cancellationToken);
            stored = buffer.ToArray();
        }

        var sha256 = Convert.ToHexString(SHA256.HashData(stored)).ToLowerInvariant();
        if (sha256 != source.Sha256)
        {
            throw new RestoreException($"Backup {source.BackupId} does not match its checksum. Nothing was changed.") { BackupId = source.BackupId, NothingChanged = true };
        }

        string script;
        using (var decoded = new StreamReader(source.Decode is { } decode ? decode(new MemoryStream(stored)) : new MemoryStream(stored)))
        {
            script = await decoded.ReadToEndAsync(cancellationToken);
        }

        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString))
        {
            await admin.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{request.TargetDatabase.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", admin);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var target = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = request.TargetDatabase, Pooling = false }.ConnectionString))
        {
            await target.OpenAsync(cancellationToken);
            await using var run = new NpgsqlCommand(script, target);
            await run.ExecuteNonQueryAsync(cancellationToken);
        }

        return new RestoreResult
        {
            BackupId = source.BackupId,
            TargetDatabase = request.TargetDatabase,
            Strategy = Name,
            StartedAt = startedAt,
            Duration = timeProvider.GetUtcNow() - startedAt,
            Sha256 = sha256,
            BytesRead = stored.Length,
            Jobs = 1,
        };
    }
}
