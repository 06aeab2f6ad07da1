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
            await using var hashing = new HashingReadStream(await source.OpenAsync(cancellationToken).ConfigureAwait(false));
            var sha256 = await hashing.FinishAsync(cancellationToken).ConfigureAwait(false);
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

        if (problems.Count > 0)
        {
            throw new RestoreException($"Restore of backup {source.BackupId} refused: {string.Join("; ", problems)}.")
            {
                BackupId = source.BackupId,
                NothingChanged = true,
            };
        }
    }

    /// <summary>Gets a value indicating whether the request restores only part of a database.</summary>
    public static bool IsSelective(RestoreRequest request)
        => request.Tables.Count > 0 || request.Schemas.Count > 0 || request.DataOnly;
}
