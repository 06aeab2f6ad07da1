using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.PostgreSql.Restore;

/// <summary>The checks every restore makes before it changes anything.</summary>
internal static class RestoreChecks
{
    /// <summary>Reads the stored bytes once, hashing them, and refuses a mismatch; nothing is written anywhere.</summary>
    /// <returns>The number of bytes read.</returns>
    /// <exception cref="RestoreException">The SHA-256 does not match.</exception>
    public static async Task<long> VerifyByReadingAsync(RestoreSource source, CancellationToken cancellationToken)
    {
        try
        {
            await using var hashing = RestoreChecks.Hashing(await source.OpenAsync(cancellationToken).ConfigureAwait(false));
            var sha256 = await RestoreChecks.FinishAsync(hashing, cancellationToken).ConfigureAwait(false);
            EnsureChecksum(source, sha256, hashing.BytesRead);
            return hashing.BytesRead;
        }
        catch (DbResilienceException ex) when (ex is not RestoreException)
        {
            throw Unreadable(source, ex);
        }
    }

    /// <summary>Wraps a failure to read a backup intact (a storage error, a wrong key, a mismatch found by the reader).</summary>
    public static RestoreException Unreadable(RestoreSource source, Exception ex)
        => new($"Backup {source.BackupId} could not be read intact, so nothing was restored and nothing was changed: {ex.Message}", ex)
        {
            BackupId = source.BackupId,
            NothingChanged = true,
        };

    /// <summary>Wraps a stream read for a restore so that its SHA-256 is computed as it is read.</summary>
    public static Inknowing.DbResilience.Backups.HashingReadStream Hashing(Stream inner) => new(inner, leaveOpen: false);

    /// <summary>Reads what is left of the stream, then returns the lower-case hex SHA-256 of everything read.</summary>
    public static async Task<string> FinishAsync(Inknowing.DbResilience.Backups.HashingReadStream hashing, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        while (await hashing.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
        {
        }

        return hashing.GetSha256();
    }

    /// <exception cref="RestoreException">The SHA-256 does not match.</exception>
    public static void EnsureChecksum(RestoreSource source, string actualSha256, long bytesRead)
    {
        if (!string.Equals(actualSha256, source.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new RestoreException(
                $"Backup {source.BackupId} is corrupted: its SHA-256 is {actualSha256} ({bytesRead} bytes read) but the manifest says {source.Sha256}"
                + $"{(source.SizeBytes is { } size ? $" ({size} bytes)" : string.Empty)}. Nothing was restored and nothing was changed. "
                + "Restore another copy or an older backup (dbresilience backups list).")
            {
                BackupId = source.BackupId,
                NothingChanged = true,
            };
        }
    }

    /// <exception cref="RestoreException">The request is inconsistent.</exception>
    public static void Validate(RestoreSource source, RestoreRequest request)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(request.TargetDatabase))
        {
            problems.Add("no target database was given (--target-database NAME)");
        }
        else if (request.TargetDatabase.Length > 63 || request.TargetDatabase.Contains('\0', StringComparison.Ordinal))
        {
            problems.Add($"the target database name '{request.TargetDatabase}' is longer than 63 bytes or contains NUL");
        }

        if (request.SchemaOnly && request.DataOnly)
        {
            problems.Add("schema-only and data-only exclude each other; choose one");
        }

        if (request.Jobs < 1)
        {
            problems.Add($"jobs must be 1 or more, not {request.Jobs}");
        }

        if (source.Format == RestoreSourceFormat.Plain && (request.Tables.Count > 0 || request.Schemas.Count > 0 || request.SchemaOnly || request.DataOnly))
        {
            problems.Add($"backup {source.BackupId} is plain SQL, which can only be restored whole; take a custom-format backup for selective restores");
        }

        problems.AddRange(MisspelledSelections(source, request));
        if (problems.Count > 0)
        {
            throw new RestoreException($"Restore of backup {source.BackupId} refused: {string.Join("; ", problems)}.")
            {
                BackupId = source.BackupId,
                NothingChanged = true,
            };
        }
    }

    /// <summary>
    /// Names each selected table and schema that the backup's manifest does not hold but holds in another spelling (another
    /// case, or a schema given in double quotes): pg_restore matches names exactly, so it would restore nothing for it and
    /// succeed. A name the manifest does not hold in any spelling (a view, a partitioned table, which it does not list) is
    /// left to pg_restore and checked in the restored database afterwards.
    /// </summary>
    private static IEnumerable<string> MisspelledSelections(RestoreSource source, RestoreRequest request)
    {
        var tables = source.Tables.ToHashSet();
        foreach (var table in request.Tables.Where(t => !tables.Contains(t)))
        {
            var near = source.Tables.Where(t => string.Equals(t.Schema, table.Schema, StringComparison.OrdinalIgnoreCase) && string.Equals(t.Name, table.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (near.Count > 0)
            {
                yield return $"table {table.Quoted} is not in the backup, which holds {string.Join(", ", near.Select(t => t.Quoted))}: write SCHEMA.TABLE with double quotes around a part that has capitals, dots or spaces";
            }
        }

        var schemas = source.Tables.Select(t => t.Schema).ToHashSet(StringComparer.Ordinal);
        foreach (var schema in request.Schemas.Where(s => !schemas.Contains(s)))
        {
            var unquoted = schema.Length > 1 && schema[0] == '"' && schema[^1] == '"' ? schema[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : schema;
            var near = schemas.Where(s => string.Equals(s, unquoted, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
            if (near.Count > 0)
            {
                yield return $"schema '{schema}' is not in the backup, which holds schema {string.Join(", ", near.Select(s => $"'{s}'"))}: give --schema exactly as the schema is named, without quotes";
            }
        }
    }

    /// <summary>Gets a value indicating whether the request restores only part of a database.</summary>
    public static bool IsSelective(RestoreRequest request)
        => request.Tables.Count > 0 || request.Schemas.Count > 0 || request.DataOnly;
}
