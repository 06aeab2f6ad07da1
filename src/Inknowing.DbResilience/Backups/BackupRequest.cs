namespace Inknowing.DbResilience.Backups;

/// <summary>One backup to make; every property left <see langword="null"/> takes its value from <see cref="BackupOptions"/>.</summary>
public sealed record BackupRequest
{
    /// <summary>Gets the tier (<c>daily</c>, <c>weekly</c>, <c>monthly</c>, <c>manual</c>), or <see langword="null"/> for <see cref="BackupOptions.Tier"/>.</summary>
    public string? Tier { get; init; }

    /// <summary>Gets the format, or <see langword="null"/> for <see cref="BackupOptions.Format"/>.</summary>
    public BackupFormat? Format { get; init; }

    /// <summary>Gets whether to dump only the schema, or <see langword="null"/> for <see cref="BackupOptions.SchemaOnly"/>.</summary>
    public bool? SchemaOnly { get; init; }

    /// <summary>Gets whether to dump only the data, or <see langword="null"/> for <see cref="BackupOptions.DataOnly"/>.</summary>
    public bool? DataOnly { get; init; }

    /// <summary>Gets the table patterns to dump, or <see langword="null"/> for <see cref="BackupOptions.Tables"/>.</summary>
    public IReadOnlyList<string>? Tables { get; init; }

    /// <summary>Gets the schema patterns to dump, or <see langword="null"/> for <see cref="BackupOptions.Schemas"/>.</summary>
    public IReadOnlyList<string>? Schemas { get; init; }

    /// <summary>Gets the table patterns whose rows to leave out, or <see langword="null"/> for <see cref="BackupOptions.ExcludeTableData"/>.</summary>
    public IReadOnlyList<string>? ExcludeTableData { get; init; }

    /// <summary>Gets whether to add roles and tablespaces, or <see langword="null"/> for <see cref="BackupOptions.IncludeGlobals"/>.</summary>
    public bool? IncludeGlobals { get; init; }

    /// <summary>Gets the pipeline's compression, or <see langword="null"/> for <see cref="BackupOptions.Compression"/>.</summary>
    public BackupCompression? Compression { get; init; }

    /// <summary>Gets the number of pg_dump jobs for the directory format, or <see langword="null"/> for <see cref="BackupOptions.Jobs"/>.</summary>
    public int? Jobs { get; init; }

    /// <summary>Gets a receiver of progress reports (bytes read from the tool), or <see langword="null"/>.</summary>
    public IProgress<BackupProgress>? Progress { get; init; }
}
